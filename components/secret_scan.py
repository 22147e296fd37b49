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
_RULES = " ".join([*PLUGINS, *FILENAME_FILTERS, "text: BOM or utf-8 replace"])
_CACHE_HEADER = f"# clean contents (sha256) for {SCANNER}: {hashlib.sha256(_RULES.encode()).hexdigest()}"


@dataclass(frozen=True, order=True)
class Finding:
    """One secret found: where and what kind (never the value)."""

    path: str
    line: int
    kind: str


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


def is_text(data: bytes) -> bool:
    """Whether the scanner reads ``data`` as text (see `text_of`), without decoding it."""
    return bom_encoding(data) is not None or b"\0" not in data


def scan(files: Mapping[str, bytes], *, skip: Collection[str] = (), cache_file: Path | None = None) -> list[Finding]:
    """Findings in the text files of ``files`` (repo path -> content), except the paths in ``skip``.

    ``cache_file`` (optional) remembers contents found clean, so they are not scanned again.
    """
    digests = {path: hashlib.sha256(data).hexdigest() for path, data in files.items()
               if path not in skip and is_text(data)}
    clean = _read_cache(cache_file)
    todo = {path: files[path] for path, digest in digests.items() if digest not in clean}
    findings = _scan_with_detect_secrets(todo) if todo else []
    dirty = {f.path for f in findings}
    clean |= {digests[path] for path in todo if path not in dirty}
    if cache_file is not None and todo:
        _write_cache(cache_file, clean & set(digests.values()))
    return sorted(findings)


#: Files detect-secrets reads through a transformer (parsed, values joined): always scanned in full.
_TRANSFORMED = (".yaml", ".yml", ".ini", ".cfg", ".toml", ".properties", ".conf", ".env")


def _candidates(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """The files worth a full scan: those where one of the enabled plugins' own patterns matches the
    whole text (every enabled plugin is a line regex detector, so this is a superset of its findings).
    A full scan costs about 10 ms per KB of text; this pre-filter, about 1% of that."""
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    classes: list[Any] = list(get_mapping_from_secret_type_to_class().values())
    plugins = {cls.__name__: cls for cls in classes}
    patterns = [re.compile(p.pattern, p.flags | re.MULTILINE) for name in PLUGINS for p in plugins[name].denylist]
    out = {}
    for path, data in files.items():
        text = text_of(data) or ""
        if path.lower().endswith(_TRANSFORMED) or any(p.search(text) for p in patterns):
            out[path] = data
    return out


def _scan_with_detect_secrets(files: Mapping[str, bytes]) -> list[Finding]:
    from detect_secrets.core.scan import scan_file
    from detect_secrets.settings import transient_settings

    files = _candidates(files)
    findings: set[Finding] = set()
    with tempfile.TemporaryDirectory(prefix="hf-rag-space-scan-") as tmp:  # created 0700
        written: dict[str, str] = {}
        for path, data in files.items():
            target = os.path.join(tmp, *path.split("/"))
            os.makedirs(os.path.dirname(target), mode=0o700, exist_ok=True)
            with open(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as handle:
                # As UTF-8 text: detect-secrets skips a file it cannot decode, so it gets what text_of read.
                handle.write((text_of(data) or "").encode("utf-8"))
            written[target] = path
        with transient_settings({"plugins_used": [{"name": name} for name in PLUGINS]}) as settings:
            settings.disable_filters(*FILENAME_FILTERS)
            for target, path in written.items():
                for secret in scan_file(target):
                    findings.add(Finding(path, int(secret.line_number), str(secret.type)))
    return list(findings)


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
