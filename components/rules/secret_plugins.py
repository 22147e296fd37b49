"""detect-secrets plugins for the key formats of this stack's vendors, and its placeholder filter.

detect-secrets 1.5.0 lacks these formats; each class below is a detect-secrets ``RegexBasedDetector``
registered through its own plugin mechanism (``plugins_used`` entries with ``path: file://...``, see
components/rules/secret_scan.py), so the scanner runs them with its line handling, its transformers (YAML,
INI) and its filters like any built-in plugin. Formats come from gitleaks' maintained rule set
(github.com/gitleaks/gitleaks, cmd/generate/config/rules/*.go) or the vendor's documentation, cited
per class; like gitleaks, rules on unprefixed or short values also require a minimum Shannon entropy,
so ``xxxx…`` and ``your-key-here`` shapes are not findings.

`is_placeholder_secret` is a detect-secrets filter (``filters_used``), for what its own
``is_templated_secret`` (only a whole ``{x}``/``<x>``/``${x}``) lacks: documentation and template
values such as ``driver://user:pass@localhost/dbname`` (alembic.ini's template),
``postgresql://username:password@host/db``, ``your-api-key-here``, ``xxx``, ``changeme``.

This file is loaded by detect-secrets from its path (``import_file_as_module``): it imports nothing of
this project.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections import Counter
from collections.abc import Generator, Iterable
from functools import cache
from re import Pattern
from typing import Any

from detect_secrets.plugins.base import RegexBasedDetector

#: A value's end, as gitleaks' ``GenerateUniqueTokenRegex`` writes it: a quote, space, ``;``, an escaped
#: newline (``\n`` inside a notebook's JSON), or the end of the line.
_END = r"(?=[\x60'\"\s;,)\]}>]|\\[nr]|$)"


def shannon_entropy(value: str) -> float:
    """Bits per character of ``value`` (gitleaks' ``entropy`` setting uses the same measure)."""
    if not value:
        return 0.0
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


#: The scanner writes a binary file's printable strings under its path + this suffix (secret_scan.py).
BINARY_STRINGS_SUFFIX = ".hf-rag-space-strings"
_START = r"(?<![\w-])"


class _VendorDetector(RegexBasedDetector):
    """A regex detector whose matches must also reach ``min_entropy`` and not be placeholders.

    In a binary file's printable strings a value has no delimiters (a SQLite record glues its header
    bytes to it), so there the start and end boundaries are dropped."""

    min_entropy = 0.0
    denylist: Iterable[Pattern[str]] = ()
    needs_digit = False
    """Unprefixed values must hold a digit and a letter: a random key does, an identifier such as
    ``my_documents_collection_for_rag`` does not."""
    _in_binary = False

    def analyze_line(self, filename: str, line: str, line_number: int = 0, context: Any = None,
                     **kwargs: Any) -> Any:
        self._in_binary = filename.endswith(BINARY_STRINGS_SUFFIX)
        return super().analyze_line(filename=filename, line=line, line_number=line_number, context=context,
                                    **kwargs)

    def analyze_string(self, string: str) -> Generator[str, None, None]:
        for regex in self.denylist:
            if self._in_binary:
                regex = unbounded(regex)
            for match in regex.findall(string):
                value = next((m for m in match if m), "") if isinstance(match, tuple) else match
                if shannon_entropy(value) < self.min_entropy or is_placeholder_secret(value):
                    continue
                if self.needs_digit and not (re.search(r"\d", value) and re.search(r"[A-Za-z]", value)):
                    continue
                yield value


@cache
def unbounded(regex: Pattern[str]) -> Pattern[str]:
    """``regex`` without this module's start and end boundaries (the same pattern for any other)."""
    return re.compile(regex.pattern.replace(_START, "").replace(_END, ""), regex.flags)


class GoogleApiKeyDetector(_VendorDetector):
    """Google API keys, Gemini's included: ``AIza`` + 35 of ``[A-Za-z0-9_-]`` (gitleaks ``gcp-api-key``,
    entropy 4; Google's "API keys overview", cloud.google.com/docs/authentication/api-keys)."""

    secret_type = "Google API Key"
    min_entropy = 4.0
    denylist = (re.compile(_START + r"(AIza[\w-]{35})" + _END),)


class GroqApiKeyDetector(_VendorDetector):
    """Groq API keys: ``gsk_`` + 48 alphanumerics (gitleaks ``groq-api-key``, entropy 4;
    console.groq.com/docs/openai)."""

    secret_type = "Groq API Key"
    min_entropy = 4.0
    denylist = (re.compile(_START + r"(gsk_[A-Za-z0-9]{48})" + _END),)


class AnthropicApiKeyDetector(_VendorDetector):
    """Anthropic keys: ``sk-ant-api03-``/``sk-ant-admin01-`` + 93 of ``[A-Za-z0-9_-]`` + ``AA``, OAuth tokens
    ``sk-ant-oat01-``/``sk-ant-ort01-`` + 40 or more (gitleaks ``anthropic-api-key``, ``anthropic-admin-api-key``,
    ``anthropic-oauth-token``, ``anthropic-oauth-refresh-token``)."""

    secret_type = "Anthropic API Key"
    min_entropy = 3.5
    denylist = (
        re.compile(_START + r"(sk-ant-(?:api03|admin01)-[\w-]{93}AA)" + _END),
        re.compile(_START + r"(sk-ant-(?:oat01|ort01)-[\w-]{40,})" + _END),
    )


class OpenRouterApiKeyDetector(_VendorDetector):
    """OpenRouter keys: ``sk-or-v1-`` + 64 hex digits (openrouter.ai/docs/api-reference/authentication);
    any 32 or more of ``[A-Za-z0-9_-]`` after the prefix are taken, should the body's alphabet change."""

    secret_type = "OpenRouter API Key"
    min_entropy = 3.0
    denylist = (re.compile(_START + r"(sk-or-v1-[\w-]{32,})" + _END),)


class OpenAIProjectKeyDetector(_VendorDetector):
    """OpenAI project, service-account and admin keys: ``sk-proj-``/``sk-svcacct-``/``sk-admin-`` + a long
    body (gitleaks ``openai-api-key``: 58 or 74 characters, ``T3BlbkFJ``, 58 or 74). detect-secrets' own
    OpenAIDetector knows only the legacy ``sk-`` + 20 + ``T3BlbkFJ`` + 20; the marker is not required here,
    so a key of a newer layout is caught too (40 or more characters)."""

    secret_type = "OpenAI Project Key"
    min_entropy = 4.0
    denylist = (re.compile(_START + r"(sk-(?:proj|svcacct|admin)-[\w-]{40,})" + _END),)


#: ``name`` followed by an assignment, as gitleaks' ``GenerateSemiGenericRegex`` reads one, widened for
#: Python annotations (``qdrant_api_key: str = "..."``) and call arguments (``getenv("X", "...")``).
def _assigned(names: str, value: str) -> Pattern[str]:
    return re.compile(
        rf"(?i)(?:{names})[\w.-]{{0,10}}['\"]?\s*(?::\s*[\w\[\]|., ]{{1,40}}?\s*)?"
        rf"(?:=|:|=>|,)\s*[\x60'\"]?({value})" + _END)


class CohereApiKeyDetector(_VendorDetector):
    """Cohere API keys: 40 alphanumerics assigned to a name with ``cohere`` or ``CO_API_KEY`` (gitleaks
    ``cohere-api-token``, entropy 4), or quoted within a ``cohere`` call (``cohere.ClientV2("...")``)."""

    secret_type = "Cohere API Key"
    min_entropy = 4.0
    needs_digit = True
    denylist = (
        _assigned(r"cohere[\w.-]{0,20}?(?:key|token|secret)|co_api_key", "[A-Za-z0-9]{40}"),
        re.compile(r"(?i)cohere\.\w*\(.{0,80}?['\"]([A-Za-z0-9]{40})['\"]"),
    )


class QdrantApiKeyDetector(_VendorDetector):
    """Qdrant Cloud database API keys in both forms (qdrant.tech/documentation/cloud/authentication):
    keys with granular access are JWTs ("recognized by starting with eyJhb") whose payload carries
    Qdrant's ``access`` claim (qdrant.tech/documentation/guides/security, "Granular access control with
    JWT"); the earlier admin keys are unprefixed, so they are caught where they are assigned to a
    ``qdrant`` name or passed as a ``QdrantClient(api_key=...)``: 32 or more of ``[A-Za-z0-9_|-]``,
    entropy 3.5 (GitGuardian's "Qdrant API Key" detector also anchors on the name)."""

    secret_type = "Qdrant API Key"
    min_entropy = 3.5
    needs_digit = True
    _KEY = r"[\w|-]{32,}"
    denylist = (
        re.compile(_START + r"(eyJ[\w-]{10,}\.eyJ[\w-]{4,}\.[\w-]{20,})" + _END),
        _assigned(r"qdrant[\w.-]{0,20}?(?:key|token|secret)", _KEY),
        re.compile(r"(?i)qdrant.{0,120}?api_key\s*=\s*['\"](" + _KEY + r")['\"]"),
    )

    def analyze_string(self, string: str) -> Generator[str, None, None]:
        for match in super().analyze_string(string):
            if not match.startswith("eyJ") or _is_qdrant_jwt(match):
                yield match


def _is_qdrant_jwt(token: str) -> bool:
    """Whether the JWT ``token``'s payload is a JSON object with Qdrant's ``access`` claim."""
    try:
        part = token.split(".")[1]
        payload = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (IndexError, ValueError, binascii.Error):
        return False
    return isinstance(payload, dict) and "access" in payload


class PostgresUrlDetector(_VendorDetector):
    """Postgres connection URLs with a password, Neon's included
    (``postgresql://user:npg_...@ep-....neon.tech/db``; libpq's URI form, postgresql.org/docs/current/
    libpq-connect.html#LIBPQ-CONNSTRING-URIS; Neon passwords start ``npg_``, neon.com/docs/connect/
    connect-securely), SQLAlchemy driver forms (``postgresql+asyncpg://``) too. The password is the
    finding, so a placeholder one (``password``, ``<password>``) is filtered like any other."""

    secret_type = "Postgres URL with a password"
    denylist = (re.compile(r"(?i)\bpostgres(?:ql)?(?:\+\w+)?://[^:/?#@\s'\"]*:([^@/?#\s'\"]+)@"),)


class UrlTokenDetector(_VendorDetector):
    """A token as a URL's user name (``https://TOKEN@github.com/...`` in a git remote, a ``.git/config``
    copy or a ``git+https://`` requirement; an ``ssh://`` user is a login): detect-secrets'
    BasicAuthDetector needs ``user:password@``.
    20 or more of ``[A-Za-z0-9_-]``, entropy 3.5, so a login name (``git@``) is not one."""

    secret_type = "Token in a URL"
    min_entropy = 3.5
    denylist = (re.compile(r"(?i)\b(?:https?|git\+https?)://([\w-]{20,})@"),)


#: Whole values that documentation and templates use in place of a secret (compared in lower case).
PLACEHOLDER_WORDS = frozenset({
    "pass", "password", "passwd", "pwd", "secret", "changeme", "change_me", "change-me", "changeit",
    "example", "placeholder", "dummy", "fake", "test", "sample", "user", "username", "admin", "root",
    "postgres", "redacted", "token", "apikey", "api_key", "api-key", "key", "none", "null", "foo", "bar",
    "foobar", "mypassword", "my-password", "my_password", "yourpassword", "your_password", "your-password",
    "secretpassword", "pa55word", "p@ssw0rd", "letmein", "qwerty", "default", "value", "string",
})
_PLACEHOLDER_SHAPES = re.compile(
    r"""(?ix)
    ^(?:your|insert|enter|replace|put|paste|add)(?:[-_.\s]|$)   # your-api-key-here, insert_key, enter-password
    | (?:^|[-_.])here$                                          # ...-here, ..._here
    | (.)\1{5,}                                                 # xxxxxxxx, 000000, ******
    | ^(.)\2{2,}$                                               # xxx, ***
    | \.\.\. | \u2026                                           # sk-... , ellipses
    | <[^>]*> | \$\{ | \{\{ | %\( | %s                          # <password>, ${VAR}, {{ var }}, %(pw)s, %s
    """)


def is_placeholder_secret(secret: str) -> bool:
    """Whether ``secret`` is a documentation or template value, not a secret (a detect-secrets filter)."""
    value = secret.strip("'\"` ")
    return value.lower() in PLACEHOLDER_WORDS or bool(_PLACEHOLDER_SHAPES.search(value))
