"""The one redactor for everything that leaves the providers: log lines, error messages, health answers,
build and run log tails, tracebacks, and the `health` output.

The app sees every secret of the stack, and what it prints (a health JSON, a crash, pip's output in the
build logs) comes back to us. Before any of it is logged, raised or returned, `Redactor` replaces:

- **each secret value of the stack** (`secrets_of_config`: the managed secrets, every `extraSecrets` entry,
  the Hub token), also percent-encoded and JSON-escaped, with ``[redacted NAME]``;
- **the secret parts of a URL secret**: its password, a token standing in for the user name (Gemfury style),
  and path segments or query values that look like tokens (`url_secret_parts`), so
  ``could not connect to db.example.com as app:pw-...`` or pip's ``/<token>/simple/pkg/`` lose the secret;
- **a secret cut short by a printer that truncates**: pydantic shows a long ``input_value`` as its first
  24 and last 24 characters around ``...``; a prefix of a secret before ``...`` (or ``…``) or a suffix after
  it, long enough to carry part of the secret, is replaced;
- **the known token formats**, whether or not the stack knows the value: the product's own list
  (`rules.tokens.TOKEN_FORMATS`: hf_, Google/Gemini AIza, OpenAI, ...) and the detect-secrets plugins the file
  scanner runs (`secret_scan.PLUGINS`, one source of truth: a format added there is redacted here too);
  a private key block is replaced whole, through its END line.

Matches are collected over the original text and merged, then replaced in one pass, so a marker is never
matched again. Values shorter than `MIN_SECRET_CHARS` are not searched for on their own (they would
blank out ordinary words); in a URL's `user:password@` they are still caught by the URL format.

Providers learn the values from their configuration (`HubProvider.configure`: the engine hands every
provider the stack's decrypted config, as it does for `hfToken`), never from their inputs: nothing extra
lands in state.
"""

from __future__ import annotations

import json
import logging
import re
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from components.config import managed

#: A secret (or a secret part) shorter than this is not searched for on its own.
MIN_SECRET_CHARS = 4
#: A truncated prefix/suffix must be at least this long (and reach into the secret part) to be replaced.
MIN_FRAGMENT_CHARS = 6
#: A URL path segment, query value or user name at least this long, with letters and digits, is a token.
TOKEN_PART_CHARS = 16
#: What truncating printers put where they cut (pydantic, reprlib, many loggers).
ELLIPSES = ("...", "\u2026")
_PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)",
                          re.DOTALL)


def marker(name: str) -> str:
    """What a redacted secret is shown as: it names what was there, never the value."""
    return f"[redacted {name}]"


class TokenFormat(Protocol):
    """A token format: detect-secrets' plugins have this shape (`analyze_string` yields each secret found)."""

    @property
    def secret_type(self) -> str: ...

    def analyze_string(self, string: str) -> Iterable[str]: ...


@dataclass(frozen=True)
class PatternFormat:
    """A token format from one regular expression (`rules.tokens.TOKEN_FORMATS`); the whole match is the secret,
    except for a URL's credentials, where only the password is."""

    secret_type: str
    pattern: re.Pattern[str]

    def analyze_string(self, string: str) -> Iterable[str]:
        for match in self.pattern.finditer(string):
            text = match.group(0)
            if "://" in text and text.endswith("@"):  # scheme://user:password@: the password is the secret
                yield text[:-1].split("://", 1)[1].split(":", 1)[1]
            else:
                yield text


@lru_cache(maxsize=1)
def known_formats() -> tuple[TokenFormat, ...]:
    """The product's token formats (rules.tokens.TOKEN_FORMATS) and the file scanner's detect-secrets plugins:
    detect-secrets' own (`secret_scan.PLUGINS`) and this project's (`secret_scan.OWN_PLUGINS`, the stack's
    vendors' key formats in components/rules/secret_plugins.py)."""
    from components.rules import secret_plugins
    from components.rules.secret_scan import OWN_PLUGINS, PLUGINS
    from components.rules.tokens import TOKEN_FORMATS

    formats: list[TokenFormat] = [PatternFormat(kind, pattern) for kind, pattern in TOKEN_FORMATS]
    try:
        from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    except ImportError:  # pragma: no cover - detect-secrets is a pinned requirement
        return tuple(formats)
    mapping: Mapping[str, Any] = get_mapping_from_secret_type_to_class()
    classes = {cls.__name__: cls for cls in mapping.values()}
    formats.extend(classes[name]() for name in PLUGINS if name in classes)
    formats.extend(getattr(secret_plugins, name)() for name in OWN_PLUGINS)
    return tuple(formats)


def url_secret_parts(value: str) -> dict[str, str]:
    """The parts of a URL secret that are secrets on their own -> what they are: the password, a token used
    as the user name, and path segments or query values that look like tokens (long, letters and digits)."""
    try:
        parts = urlsplit(value)
        password, username = parts.password, parts.username
    except ValueError:
        return {}
    if not parts.scheme or not parts.netloc:
        return {}
    found: dict[str, str] = {}
    if password:
        found |= {password: "password", unquote(password): "password"}
    elif username and _looks_like_token(unquote(username)):
        found |= {username: "token", unquote(username): "token"}
    for segment in parts.path.split("/"):
        if _looks_like_token(unquote(segment)):
            found |= {segment: "token", unquote(segment): "token"}
    found |= {v: "token" for _, v in parse_qsl(parts.query) if _looks_like_token(v)}
    return found


def _looks_like_token(text: str) -> bool:
    return (len(text) >= TOKEN_PART_CHARS and any(c.isdigit() for c in text) and any(c.isalpha() for c in text)
            and not text.isdigit())


def secret_region(value: str) -> tuple[int, int]:
    """Where the secret is inside a secret value: between `scheme://user:` and `@` for a URL with a password
    (a truncated `postgresql://app:...` or `...@db.example.com/rag` shows none of it), else all of it."""
    try:
        parts = urlsplit(value)
        if parts.scheme and parts.password:
            start = value.index(":", len(parts.scheme) + 3) + 1
            return start, value.index("@", start)
    except ValueError:
        pass
    return 0, len(value)


@dataclass(frozen=True)
class _Needle:
    text: str
    name: str
    region: tuple[int, int] | None = None
    """Where the secret part is, for matching a truncated form (None: the exact text only)."""


class Redactor:
    """Replaces this stack's secrets, their URL parts and truncated forms, and known token formats in text."""

    def __init__(self, secrets: Mapping[str, str] | None = None,
                 formats: Callable[[], Iterable[TokenFormat]] = known_formats) -> None:
        """`secrets`: name -> value (e.g. DATABASE_URL -> postgresql://...); `formats`: where the token formats
        come from (default: the product's list and the file scanner's plugins), loaded on first use."""
        needles: dict[str, _Needle] = {}
        for name, value in (secrets or {}).items():
            if not isinstance(value, str) or not value:
                continue
            needles[value] = _Needle(value, name, secret_region(value))
            for form in (quote(value, safe=""), quote(value), json.dumps(value)[1:-1]):
                needles.setdefault(form, _Needle(form, name))
            for part, what in url_secret_parts(value).items():
                needles.setdefault(part, _Needle(part, f"{name} {what}", (0, len(part))))
        self._needles = sorted((n for n in needles.values() if len(n.text) >= MIN_SECRET_CHARS),
                               key=lambda n: -len(n.text))
        self._formats = formats

    def __call__(self, text: str) -> str:
        """`text` with every secret replaced by a marker naming it."""
        if not text:
            return text
        spans = self._spans(text)
        if not spans:
            return text
        out, last = [], 0
        for start, end, name in spans:
            out.append(text[last:start])
            out.append(marker(name))
            last = end
        out.append(text[last:])
        return "".join(out)

    def value(self, data: Any) -> Any:
        """`data` (JSON-like: dicts, lists, strings) with every string, key or value, redacted."""
        if isinstance(data, str):
            return self(data)
        if isinstance(data, Mapping):
            return {self(str(k)): self.value(v) for k, v in data.items()}
        if isinstance(data, list | tuple):
            return [self.value(v) for v in data]
        return data

    def error_text(self, error: BaseException, explained: tuple[type[BaseException], ...] = ()) -> str:
        """What to show for an error: its message when it is one of the `explained` kinds (written for the
        user), else its whole traceback (a programming error), redacted either way."""
        if isinstance(error, explained):
            return self(str(error))
        return self("".join(traceback.format_exception(error)).rstrip())

    # -- matching ------------------------------------------------------------------------------

    def _spans(self, text: str) -> list[tuple[int, int, str]]:
        found: list[tuple[int, int, str]] = []
        for needle in self._needles:
            start = text.find(needle.text)
            while start != -1:
                found.append((start, start + len(needle.text), needle.name))
                start = text.find(needle.text, start + 1)
        found += self._truncated(text)
        for match in _PRIVATE_KEY.finditer(text):
            found.append((match.start(), match.end(), "private key"))
        for token_format in self._formats():
            for secret in set(token_format.analyze_string(text)):
                if len(secret) < 2:
                    continue
                start = text.find(secret)
                while start != -1:
                    found.append((start, start + len(secret), str(token_format.secret_type)))
                    start = text.find(secret, start + 1)
        return _merge(found)

    def _truncated(self, text: str) -> list[tuple[int, int, str]]:
        """Prefixes of a secret just before an ellipsis and suffixes just after one, when they hold part of
        its secret region and are at least MIN_FRAGMENT_CHARS long."""
        found = []
        cuts = [(m.start(), m.end()) for m in re.finditer("|".join(map(re.escape, ELLIPSES)), text)]
        for cut_start, cut_end in cuts:
            for needle in self._needles:
                if needle.region is None:
                    continue
                secret, (first, last) = needle.text, needle.region
                shortest = max(MIN_FRAGMENT_CHARS, first + 1)
                for size in range(min(len(secret), cut_start), shortest - 1, -1):
                    if text.startswith(secret[:size], cut_start - size):
                        found.append((cut_start - size, cut_start, needle.name))
                        break
                shortest = max(MIN_FRAGMENT_CHARS, len(secret) - last + 1)
                for size in range(min(len(secret), len(text) - cut_end), shortest - 1, -1):
                    if text.startswith(secret[-size:], cut_end):
                        found.append((cut_end, cut_end + size, needle.name))
                        break
        return found


def _merge(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Overlapping or touching spans joined (the name of the one starting first, longest on a tie)."""
    merged: list[tuple[int, int, str]] = []
    for start, end, name in sorted(spans, key=lambda s: (s[0], -s[1])):
        if merged and start <= merged[-1][1]:
            previous = merged[-1]
            merged[-1] = (previous[0], max(previous[1], end), previous[2])
        else:
            merged.append((start, end, name))
    return merged


def secrets_of_config(get: Callable[[str], Any], env: Mapping[str, str]) -> dict[str, str]:
    """Name -> value of every secret of the stack, read from its config the way components/config reads it:
    the managed secrets (by Space name, components/config/managed.py), each `extraSecrets` entry, and the Hub
    token (`hfToken`, and HF_TOKEN from the environment). `get` is `Config.get` of the provider's
    configuration (or of `pulumi.Config`)."""
    found: dict[str, str] = {}
    for row in managed.rows("secret"):
        value = get(row.key)
        if isinstance(value, str) and value:
            found[row.name] = value
    extra = get("extraSecrets")
    if isinstance(extra, str):
        try:
            extra = json.loads(extra)
        except ValueError:
            extra = None
    if isinstance(extra, Mapping):
        found.update({str(k): v for k, v in extra.items() if isinstance(v, str) and v})
    token = get("hfToken")
    if isinstance(token, str) and token:
        found["hfToken"] = token
    if env.get("HF_TOKEN"):
        found["HF_TOKEN"] = env["HF_TOKEN"]
    return found


class RedactingFormatter(logging.Formatter):
    """A logging formatter whose output (message and traceback) goes through a redactor: installed in the
    provider processes, where huggingface_hub, httpx and gRPC log to stderr (which the engine prints)."""

    def __init__(self, redactor: Callable[[str], str]) -> None:
        super().__init__("%(levelname)s:%(name)s:%(message)s")
        self.redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        return self.redactor(super().format(record))
