"""Readers of the keys written into the Space's README card or its routes: one line of plain text each
(`rules.card`), the card's emoji and description, the health and CORS paths, the Qdrant collection."""

from __future__ import annotations

from typing import TYPE_CHECKING

from components.config.reader import Reader, Values
from components.rules.card import SPACE_DESCRIPTION_MAX, card_text_problem, is_single_emoji

if TYPE_CHECKING:
    from components.config.keys import Key


def card_text(r: Reader, key: str, value: str) -> bool:
    """Refuse control characters and Unicode line or paragraph separators in a value written into the
    README card (`card_text_problem`), naming the key and the character; True when it was refused."""
    problem = card_text_problem(value)
    if problem:
        r.fail(key, f"must be one line of plain text, but it holds {problem}: it is written into the "
               f"Space's README card, whose front matter would break or show a fake line; set it again "
               f"without it (`pulumi config set {key} '...'`)")
    return problem is not None


def qdrant_collection(r: Reader, key: Key, v: Values) -> None:
    """`qdrantCollection`: a non-empty line of text."""
    value = r.required(key.name)
    if value is not None and not value.strip():
        r.fail(key.name, "must not be empty")
    elif value is not None:
        card_text(r, key.name, value)
    v[key.field] = value


def route_path(r: Reader, key: Key, v: Values) -> None:
    """`healthPath` (required) and `corsCheckPath` (optional): one line starting with '/'."""
    required = key.name == "healthPath"
    value = r.required(key.name) if required else r.optional(key.name)
    example = "/api/health" if required else "/api/chat"
    if value is not None and card_text(r, key.name, value):
        value = None
    elif value is not None and not value.startswith("/"):
        r.fail(key.name, f"must start with '/', e.g. {example}; got {value!r}")
        value = None
    v[key.field] = value


def space_title(r: Reader, key: Key, v: Values) -> None:
    """`spaceTitle`: empty (the Space name) or one line without surrounding spaces."""
    title = r.cfg.get(key.name) or ""
    if not card_text(r, key.name, title) and title != title.strip():
        r.fail(key.name, f"must be one line without leading or trailing spaces; got {title!r}")
    v[key.field] = title


def space_emoji(r: Reader, key: Key, v: Values) -> None:
    """`spaceEmoji`: one emoji."""
    emoji = r.required(key.name, "set one emoji, e.g. `pulumi config set spaceEmoji 🤖`")
    if emoji is not None and not is_single_emoji(emoji):
        r.fail(key.name, f"must be one emoji (the Hub allows nothing else), e.g. "
               f"`pulumi config set spaceEmoji 🤖`; got {emoji!r}")
        emoji = None
    v[key.field] = emoji


def space_description(r: Reader, key: Key, v: Values) -> None:
    """`spaceDescription`: one line of 1 to SPACE_DESCRIPTION_MAX characters."""
    description = r.required(key.name, f"set a short description of at most {SPACE_DESCRIPTION_MAX} characters")
    if description is not None and card_text(r, key.name, description):
        description = None
    elif description is not None and (len(description) > SPACE_DESCRIPTION_MAX or not description.strip()):
        r.fail(key.name, f"must be one line of 1 to {SPACE_DESCRIPTION_MAX} characters (the Hub's "
               f"limit for a Space card's short_description); got {len(description)}: shorten it with "
               "`pulumi config set spaceDescription '...'`")
        description = None
    v[key.field] = description

