"""Space card rules: what one line of the README front matter may hold, one emoji, the Hub's length limit."""

from __future__ import annotations

import unicodedata

#: The Hub's limit on a Space card's ``short_description`` (config ``spaceDescription``).
SPACE_DESCRIPTION_MAX = 60

#: Bidirectional embedding, override and isolate controls: in a card they reorder what is shown (U+202E
#: turns the rest of the line around), so the card would not read as configured.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

_CONTROL_NAMES = {"\t": "tab", "\n": "newline", "\r": "carriage return", "\x00": "NUL", "\x1b": "escape",
                  "\x85": "next line"}

#: Code points that modify or join the emoji before them: ZWJ, variation selectors, keycap, skin tones, tags.
_EMOJI_JOINER = "\u200d"
_EMOJI_MODIFIERS = ("\ufe0e", "\ufe0f", "\u20e3")


def card_text_problem(value: str) -> str | None:
    """What makes `value` unfit for one line of the Space card (README front matter): a control character
    (Unicode category Cc: tab, newline, NUL, ESC, U+0085 NEXT LINE), a line or paragraph separator
    (U+2028, U+2029) or a bidirectional control; named by its code point. None when it is plain text."""
    for char in value:
        if unicodedata.category(char) in ("Cc", "Zl", "Zp") or char in _BIDI_CONTROLS:
            name = _CONTROL_NAMES.get(char) or unicodedata.name(char, "a control character").lower()
            return f"U+{ord(char):04X} ({name})"
    return None


def is_single_emoji(value: str) -> bool:
    """Whether ``value`` is one emoji: one symbol (Unicode category So), optionally with variation
    selectors, a skin tone, tags or ZWJ-joined symbols (👩‍💻), or one flag (two regional indicators)."""
    bases = regional = 0
    joined = False
    for char in value:
        point = ord(char)
        if char == _EMOJI_JOINER:
            if not bases or joined:
                return False
            joined = True
            continue
        if char in _EMOJI_MODIFIERS or 0x1F3FB <= point <= 0x1F3FF or 0xE0020 <= point <= 0xE007F:
            if not bases:
                return False
            continue
        if unicodedata.category(char) != "So":
            return False
        if 0x1F1E6 <= point <= 0x1F1FF:
            regional += 1
            if regional % 2 == 0:
                continue  # the second half of a flag
        if not joined:
            bases += 1
        joined = False
    return bases == 1 and not joined and regional in (0, 2) and len(value) <= 16
