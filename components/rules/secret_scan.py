"""Scan the text files of a bundle for secrets with detect-secrets (Yelp, pinned 1.5.0).

Why detect-secrets: it is a maintained, widely used, pure-Python library (no binary to download,
which this workplace could not do for gitleaks or trufflehog), with one plugin per secret format and
filters that drop the usual false positives (templated values, `${VAR}`, UUIDs, sequential strings).
We enable only its format plugins (AWS, GitHub, GitLab, OpenAI, Stripe, Slack, private keys, JWTs,
credentials in URLs, and the other vendor formats it knows); its entropy and keyword plugins are left
off because they flag hashes, ids and ordinary code (`password = get_password()`) and would make a
normal backend undeployable.

Every file that would be uploaded is scanned unless it is a genuine binary (`text_of`: NUL bytes and no
UTF-16/32 byte-order mark); binaries still get the bundle's hf_ and own-secret byte checks. The scanner
reads files from disk, so each file to scan is written, decoded to UTF-8, to a private temporary
directory under its repo path (its name picks detect-secrets' YAML/INI transformers); its filters that
drop files by name are disabled (`FILENAME_FILTERS` says why). Clean contents are remembered by
sha256 in ``cache_file`` (keyed by the scanner version and plugin list), so a run where nothing
changed neither imports detect-secrets (about 0.2 s) nor scans anything. A first scan runs the scanner
only on files where one of its plugins' own patterns matches somewhere (`_candidates`).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from components.rules.lazy_files import STREAM_BYTES, Files, chunks, printable_runs

SCANNER = "detect-secrets==1.5.0"
PLUGINS = (
    "AWSKeyDetector",
    "ArtifactoryDetector",
    "AzureStorageKeyDetector",
    "BasicAuthDetector",
    "DiscordBotTokenDetector",
    "GitHubTokenDetector",
    "GitLabTokenDetector",
    "JwtTokenDetector",
    "MailchimpDetector",
    "NpmDetector",
    "OpenAIDetector",
    "PrivateKeyDetector",
    "PypiTokenDetector",
    "SendGridDetector",
    "SlackDetector",
    "SquareOAuthDetector",
    "StripeDetector",
    "TelegramBotTokenDetector",
    "TwilioKeyDetector",
)
#: This project's detect-secrets plugins (components/rules/secret_plugins.py): the stack's vendors' key formats.
PLUGIN_FILE = Path(__file__).with_name("secret_plugins.py")
BINARY_STRINGS_SUFFIX = ".hf-rag-space-strings"  # as in secret_plugins.py, which imports nothing of ours
OWN_PLUGINS = (
    "GoogleApiKeyDetector",
    "GroqApiKeyDetector",
    "AnthropicApiKeyDetector",
    "OpenRouterApiKeyDetector",
    "OpenAIProjectKeyDetector",
    "CohereApiKeyDetector",
    "QdrantApiKeyDetector",
    "PostgresUrlDetector",
    "UrlTokenDetector",
)
#: detect-secrets' own false-positive filters that run (its defaults, less those below), then ours:
#: placeholders (secret_plugins.is_placeholder_secret). Listed because its ``filters_used`` setting
#: replaces its default list.
FILTERS = (
    "detect_secrets.filters.allowlist.is_line_allowlisted",
    "detect_secrets.filters.heuristic.is_sequential_string",
    "detect_secrets.filters.heuristic.is_potential_uuid",
    "detect_secrets.filters.heuristic.is_likely_id_string",
    "detect_secrets.filters.heuristic.is_templated_secret",
    "detect_secrets.filters.heuristic.is_prefixed_with_dollar_sign",
    "detect_secrets.filters.heuristic.is_not_alphanumeric_string",
    "components.rules.secret_plugins.is_placeholder_secret",  # imported once (a file:// filter is re-read per use)
)
#: detect-secrets' default filter that drops every line shaped like ``x = call(...)`` for every plugin, meant
#: for its keyword plugin (off here): it hid ``os.getenv("GEMINI_API_KEY", "AIza...")`` and
#: ``Field(default="postgresql://u:pw@host/db")``, the commonest places for a committed key. Not in `FILTERS`.
LINE_FILTERS_OFF = ("detect_secrets.filters.heuristic.is_indirect_reference",)
#: When one line has a finding of a specific kind, the generic one on that line is not repeated.
_GENERIC_OF = {"Postgres URL with a password": ("Basic Auth Credentials",), "Qdrant API Key": ("JSON Web Token",),
               "Token in a URL": ("Basic Auth Credentials",), "OpenAI Project Key": ("OpenAI Token",)}
#: detect-secrets' filters that drop a whole file by its name (extension list such as .map/.css/.svg/.lock,
#: lock-file names, "swagger" anywhere in the path). Disabled: which files ship is decided by the bundle's
#: rules, and a name says nothing about whether a real token sits in a file that becomes public (a source
#: map or a stylesheet under static/ is uploaded like any other file). The enabled plugins only match
#: vendor token formats, so scanning these files adds little noise; `allowSecretsIn` names a false positive.
FILENAME_FILTERS = (
    "detect_secrets.filters.heuristic.is_non_text_file",
    "detect_secrets.filters.heuristic.is_lock_file",
    "detect_secrets.filters.heuristic.is_swagger_file",
)
#: What decides a scan's result besides the content; a change invalidates every cached "clean" digest.
_RULES = " ".join([*PLUGINS, *OWN_PLUGINS, *FILTERS, *FILENAME_FILTERS, *LINE_FILTERS_OFF, "text: BOM or utf-8 replace",
                   "binaries: printable runs", hashlib.sha256(PLUGIN_FILE.read_bytes()).hexdigest()])
_CACHE_HEADER = f"# clean contents (sha256) for {SCANNER}: {hashlib.sha256(_RULES.encode()).hexdigest()}"


@dataclass(frozen=True, order=True)
class Finding:
    """One secret found: where and what kind (never the value)."""

    path: str
    line: int
    kind: str
    offset: int | None = None
    """For a binary file: the byte offset of the printable string holding it (``line`` is then its index)."""

    @property
    def where(self) -> str:
        """``line N``, or for a binary ``(binary) at byte N``."""
        return f"line {self.line}" if self.offset is None else f"(binary) at byte {self.offset}"


#: Byte-order marks of the encodings whose text holds NUL bytes (checked longest first: UTF-32 LE starts
#: with the UTF-16 LE mark).
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def text_of(data: bytes) -> str | None:
    """The text of a file for the scanner, None for a genuine binary.

    Every file that would be uploaded is text unless it holds a NUL byte without a UTF-16/32 byte-order
    mark (PNG, JPEG, fonts, archives, pickles all do). UTF-16/32 files with a BOM are decoded; anything
    else decodes as UTF-8 with undecodable bytes replaced, so one Latin-1 byte or a stray invalid
    sequence no longer hides the rest of the file from the scan (a secret is ASCII in any of these).
    """
    encoding = bom_encoding(data)
    if encoding:
        return data.decode(encoding, errors="replace")
    if b"\0" in data:
        return None
    return data.decode("utf-8", errors="replace")


def bom_encoding(data: bytes) -> str | None:
    """``utf-16``/``utf-32`` when ``data`` starts with that byte-order mark, else None."""
    return next((encoding for bom, encoding in _BOMS if data.startswith(bom)), None)


#: A printable ASCII run, as strings(1) finds them (8 or more characters: every token format is longer).
_PRINTABLE_RUN = re.compile(rb"[\x20-\x7e]{8,}")


def printable_strings(data: bytes) -> list[tuple[int, str]]:
    """(byte offset, text) of the printable ASCII runs in a binary (SQLite pages, pickles, ``np.savez``)."""
    return [(m.start(), m.group().decode("ascii")) for m in _PRINTABLE_RUN.finditer(data)]


def is_text(data: bytes) -> bool:
    """Whether the scanner reads ``data`` as text (see `text_of`), without decoding it."""
    return bom_encoding(data) is not None or b"\0" not in data


def scan(files: Mapping[str, bytes], *, skip: Collection[str] = (), cache_file: Path | None = None,
         digests: Mapping[str, str] | None = None) -> list[Finding]:
    """Findings in the text files of ``files`` (repo path -> content), except the paths in ``skip``.

    ``cache_file`` (optional) remembers contents found clean, so they are not scanned again. ``digests``
    (optional) are the sha256 of some of ``files``' contents, already known (the rest are hashed here).
    """
    known = digests or {}
    digests = {path: known.get(path) or hashlib.sha256(files[path]).hexdigest() for path in files if path not in skip}
    clean = _read_cache(cache_file)
    todo = [path for path, digest in digests.items() if digest not in clean]
    subset = files.subset(todo) if isinstance(files, Files) else {path: files[path] for path in todo}
    findings = _scan_with_detect_secrets(subset) if todo else []
    dirty = {f.path for f in findings}
    clean |= {digests[path] for path in todo if path not in dirty}
    if cache_file is not None and todo:
        _write_cache(cache_file, clean & set(digests.values()))
    return sorted(findings)


#: Files detect-secrets reads through a transformer (parsed, values joined): always scanned in full.
_TRANSFORMED = (".yaml", ".yml", ".ini", ".cfg", ".toml", ".properties", ".conf", ".env")


def _scan_text(data: bytes, patterns: list[re.Pattern[str]]) -> tuple[str, list[int] | None]:
    """What the scanner reads for a file: its text, or for a binary those of its printable strings that
    one of ``patterns`` matches, one a line (with each line's byte offset): the scanner costs about
    0.25 ms a line, and a 40 MB database of documents has some 500,000 strings (then about 25 s on this
    machine for the pre-filter itself; 50 MB of random bytes, 4 s; once clean, a file is not scanned again)."""
    text = text_of(data)
    if text is not None:
        return text, None
    strings = [(offset, s) for offset, s in printable_strings(data) if any(p.search(s) for p in patterns)]
    return "\n".join(s for _, s in strings), [offset for offset, _ in strings]


def _patterns() -> list[re.Pattern[str]]:
    """Every enabled plugin's own patterns (ours without their start/end boundaries: a binary's strings
    glue values to their neighbours), for the pre-filters."""
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class, get_plugins_from_file

    classes: list[Any] = list(get_mapping_from_secret_type_to_class().values())
    plugins = {cls.__name__: cls for cls in classes}
    if not set(OWN_PLUGINS) <= set(plugins):  # called outside the scan's settings
        own: list[Any] = list(get_plugins_from_file(str(PLUGIN_FILE)))
        plugins |= {cls.__name__: cls for cls in own}
    from components.rules.secret_plugins import unbounded

    return [re.compile(unbounded(p).pattern, p.flags | re.MULTILINE)
            for name in (*PLUGINS, *OWN_PLUGINS) for p in plugins[name].denylist]


def _candidates(texts: Mapping[str, str], patterns: list[re.Pattern[str]] | None = None) -> list[str]:
    """The files worth a full scan: those where one of the enabled plugins' own patterns matches the
    whole text (every enabled plugin is a line regex detector, so this is a superset of its findings).
    A full scan costs about 10 ms per KB of text; this pre-filter, about 1% of that."""
    patterns = _patterns() if patterns is None else patterns
    return [path for path, text in texts.items()
            if path.lower().endswith(_TRANSFORMED) or any(p.search(text) for p in patterns)]


def scan_settings() -> dict[str, Any]:
    """The detect-secrets settings of every scan: the format plugins (its own and this project's) and the
    placeholder filter on top of its default filters. Only the first of ours names the file: detect-secrets
    loads a file once per entry with a ``path`` and registers every plugin class it defines."""
    return {"plugins_used": [{"name": name} for name in PLUGINS]
            + [{"name": name, **({"path": f"file://{PLUGIN_FILE}"} if i == 0 else {})}
               for i, name in enumerate(OWN_PLUGINS)],
            "filters_used": [{"path": path} for path in FILTERS]}


def _scan_text_of(files: Mapping[str, bytes], path: str,
                  patterns: list[re.Pattern[str]]) -> tuple[str, list[int] | None]:
    """`_scan_text` of ``files[path]``; a large binary on disk (lazy_files.Files) has its printable strings
    found chunk by chunk, never read whole (a large text file is read whole: the scanner reads its text)."""
    source = files.source(path) if isinstance(files, Files) else None
    if source is None or os.path.getsize(source) < STREAM_BYTES:
        return _scan_text(files[path], patterns)
    with open(source, "rb") as handle:
        head = handle.read(4)
        handle.seek(0)
        binary = bom_encoding(head) is None and any(b"\0" in chunk for chunk in chunks(handle))
        if not binary:
            return _scan_text(files[path], patterns)
        handle.seek(0)
        strings = [(offset, text) for offset, run in printable_runs(chunks(handle), _PRINTABLE_RUN)
                   if any(p.search(text := run.decode("ascii")) for p in patterns)]
    return "\n".join(s for _, s in strings), [offset for offset, _ in strings]


def _scan_with_detect_secrets(files: Mapping[str, bytes]) -> list[Finding]:
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.core.scan import scan_file
    from detect_secrets.settings import transient_settings

    findings: set[Finding] = set()
    with tempfile.TemporaryDirectory(prefix="hf-rag-space-scan-") as tmp, \
            transient_settings(scan_settings()) as settings:  # the folder is created 0700
        settings.disable_filters(*FILENAME_FILTERS, *LINE_FILTERS_OFF)
        get_mapping_from_secret_type_to_class.cache_clear()  # may be built without ours: load them
        patterns = _patterns()
        read = {path: _scan_text_of(files, path, patterns) for path in files}
        written: dict[str, str] = {}
        for path in _candidates({path: text for path, (text, _) in read.items()}, patterns):
            target = os.path.join(tmp, *path.split("/")) + ("" if read[path][1] is None else BINARY_STRINGS_SUFFIX)
            os.makedirs(os.path.dirname(target), mode=0o700, exist_ok=True)
            with open(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as handle:
                # As UTF-8 text: detect-secrets skips a file it cannot decode, so it gets what text_of read.
                handle.write(read[path][0].encode("utf-8"))
            written[target] = path
        for target, path in written.items():
            offsets = read[path][1]
            for secret in scan_file(target):
                line = int(secret.line_number)
                findings.add(Finding(path, line, str(secret.type), None if offsets is None else offsets[line - 1]))
        get_mapping_from_secret_type_to_class.cache_clear()
    specific = {(f.path, f.line, generic) for f in findings for generic in _GENERIC_OF.get(f.kind, ())}
    return [f for f in findings if (f.path, f.line, f.kind) not in specific]


def _read_cache(cache_file: Path | None) -> set[str]:
    if cache_file is None:
        return set()
    try:
        lines = cache_file.read_text().splitlines()
    except OSError:
        return set()
    return set(lines[1:]) if lines and lines[0] == _CACHE_HEADER else set()


def _write_cache(cache_file: Path, clean: Collection[str]) -> None:
    cache_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = cache_file.with_name(f".{cache_file.name}.{os.getpid()}.tmp")
    with open(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as handle:
        handle.write("\n".join([_CACHE_HEADER, *sorted(clean)]) + "\n")
    partial.replace(cache_file)
