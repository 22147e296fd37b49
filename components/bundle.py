"""Pure functions that turn a backend directory into the files of a Docker Space.

The bundle holds the backend's ``app/`` package (minus ignored, generated, test and secret-shaped
files), its ``requirements.txt`` without test-only packages, and the rendered ``Dockerfile`` and
``README.md``. Nothing here talks to the network; the result is deterministic (sorted paths).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from pathspec import GitIgnoreSpec

from components.errors import BundleError
from components.settings import Settings
from components.templating import render_dockerfile, render_readme

MAX_FILE_BYTES = 10 * 1024 * 1024
MIN_SECRET_LENGTH = 8
HF_TOKEN_PATTERN = re.compile(rb"hf_[A-Za-z0-9]{30,}")

#: Never bundled, whatever .gitignore says: generated files, tooling, tests.
DENY = GitIgnoreSpec.from_lines(
    [
        "__pycache__/",
        "*.pyc",
        "*.pyo",
        ".git/",
        ".venv/",
        "tests/",
        "test_*.py",
        "*_test.py",
        "conftest.py",
        ".pytest_cache/",
        ".mypy_cache/",
        ".ruff_cache/",
        "node_modules/",
        ".DS_Store",
        ".gitignore",
    ]
)
#: Secret-shaped files: skipped by default, an error when .gitignore re-includes them.
DENY_SECRETS = GitIgnoreSpec.from_lines([".env*", "*.pem", "*.key", "id_rsa*", "*.p12", "*.pfx", "*.crt"])
_ENV_FILE = GitIgnoreSpec.from_lines([".env*"])

#: Requirements only tests and tooling need (PEP 503 names); ``pytest-*`` plugins go as well.
TEST_ONLY_PACKAGES = frozenset(
    {
        "pytest",
        "coverage",
        "hypothesis",
        "tox",
        "nox",
        "mypy",
        "ruff",
        "black",
        "flake8",
        "isort",
        "pylint",
        "pre-commit",
        "faker",
        "factory-boy",
    }
)
_REQUIREMENT_NAME = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_INCLUDE_OPTION = re.compile(r"\s*(-r|-c|--requirement|--constraint)(\s+|=)?\s*(\S*)")


@dataclass(frozen=True)
class Bundle:
    """The Space's files: repo path -> content, with a content manifest."""

    files: dict[str, bytes] = field(repr=False)

    @cached_property
    def manifest(self) -> dict[str, str]:
        """Repo path -> sha256 hex digest of the content, sorted by path."""
        return {path: hashlib.sha256(data).hexdigest() for path, data in sorted(self.files.items())}

    def __repr__(self) -> str:
        return f"Bundle({sorted(self.files)})"


def bundle_for(settings: Settings) -> Bundle:
    """Build the bundle for ``settings``: its backend plus the rendered Dockerfile and README."""
    return build_bundle(
        settings.backend_path,
        dockerfile=render_dockerfile(health_path=settings.health_path),
        readme=render_readme(settings),
        secrets={"HF_TOKEN": settings.hf_token, **settings.secrets},
    )


def build_bundle(
    backend_dir: Path, *, dockerfile: str, readme: str, secrets: Mapping[str, str] | None = None
) -> Bundle:
    """Select and check the backend's files and add the generated ones.

    Args:
        backend_dir: the backend, holding ``app/main.py`` and ``requirements.txt``.
        dockerfile: rendered Dockerfile.
        readme: rendered README.md.
        secrets: secret name -> value; a file containing a value (8+ characters) is refused.

    Raises:
        BundleError: listing every problem; messages name files and secret names, never values.
    """
    root = backend_dir.resolve()
    missing = [p for p in ("app/main.py", "requirements.txt") if not (root / p).is_file()]
    if missing:
        raise BundleError(f"{str(root)!r} has no {' or '.join(missing)}; point backendDir at the backend")

    problems: list[str] = []
    files: dict[str, bytes] = {}
    for rel in _select(root, "app", problems):
        data = _read(root, rel, problems)
        if data is not None:
            files[rel] = data
    for rel in [r for r in files if r.endswith(".py")]:
        parts = rel.split("/")[:-1]  # rel is relative and posix: its parent directories, deepest first
        while parts:
            files.setdefault(f"{'/'.join(parts)}/__init__.py", b"")
            parts.pop()
    requirements = _read(root, "requirements.txt", problems)
    if requirements is not None:
        try:
            files["requirements.txt"] = strip_test_requirements(requirements.decode()).encode()
        except UnicodeDecodeError:
            problems.append("requirements.txt is not UTF-8 text")
        except ValueError as e:
            problems.append(str(e))
    files["Dockerfile"] = dockerfile.encode()
    files["README.md"] = readme.encode()

    problems += scan_for_secrets(files, secrets or {})
    if problems:
        raise BundleError(_summary(problems))
    return Bundle(dict(sorted(files.items())))


def scan_for_secrets(files: Mapping[str, bytes], secrets: Mapping[str, str]) -> list[str]:
    """Return one problem per file that holds a secret value or a Hugging Face token."""
    values = {name: v.encode() for name, v in secrets.items() if len(v) >= MIN_SECRET_LENGTH}
    problems = []
    for path, data in sorted(files.items()):
        found = sorted(name for name, value in values.items() if value in data)
        if found:
            problems.append(f"{path} contains the value of {', '.join(found)}; remove it from the file")
        elif HF_TOKEN_PATTERN.search(data):
            problems.append(f"{path} contains something shaped like a Hugging Face token (hf_...); remove it")
    return problems


def strip_test_requirements(text: str) -> str:
    """Drop test-only packages from a requirements file, keeping every other line as written.

    Raises:
        ValueError: the file includes another one (``-r`` / ``-c``), which the Space cannot see.
    """
    kept: list[str] = []
    logical: list[str] = []
    for line in text.splitlines(keepends=True):
        logical.append(line)
        if line.rstrip("\r\n").endswith("\\"):
            continue
        joined = "".join(logical)
        logical = []
        include = _INCLUDE_OPTION.match(joined)
        if include:
            raise ValueError(
                f"requirements.txt includes {include.group(3) or 'another file'!r} with {include.group(1)}, "
                "which is not supported; copy its requirements into requirements.txt"
            )
        if not _is_test_only(joined):
            kept.append(joined)
    kept.extend(logical)
    return "".join(kept)


def _is_test_only(line: str) -> bool:
    match = _REQUIREMENT_NAME.match(line)
    if not match or line.lstrip().startswith(("#", "-")):
        return False
    name = re.sub(r"[-_.]+", "-", match.group(1)).lower()
    return name in TEST_ONLY_PACKAGES or name.startswith("pytest-")


def _select(root: Path, top: str, problems: list[str]) -> list[str]:
    """Paths (relative to root, posix) of the files to bundle under ``root/top``."""
    ignores: list[tuple[str, GitIgnoreSpec]] = []
    if (root / ".gitignore").is_file():
        ignores.append(("", _gitignore(root / ".gitignore")))
    selected: list[str] = []
    visited: set[Path] = set()

    def ignored(rel: str) -> bool | None:
        """.gitignore verdict: True ignored, False re-included by '!', None not mentioned."""
        verdict = None
        for prefix, spec in ignores:
            if rel.startswith(prefix):
                result = spec.check_file(rel[len(prefix) :])
                if result.include is not None:
                    verdict = result.include
        return verdict

    def walk(rel_dir: str) -> None:
        directory = (root / rel_dir).resolve()
        if directory in visited:
            return
        visited.add(directory)
        if (directory / ".gitignore").is_file():
            ignores.append((f"{rel_dir}/", _gitignore(directory / ".gitignore")))
        with os.scandir(directory) as scan:
            entries = sorted(scan, key=lambda e: e.name)
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}"
            # DirEntry.is_dir()/is_file() follow symlinks like Path's, without a stat for plain entries.
            if entry.is_symlink() and not Path(entry.path).resolve().is_relative_to(root):
                problems.append(f"{rel} is a symlink to outside backendDir; copy the file instead")
            elif entry.is_dir():
                if (os.path.exists(os.path.join(entry.path, "pyvenv.cfg")) or DENY.match_file(f"{rel}/")
                        or ignored(f"{rel}/")):
                    continue
                walk(rel)
            elif entry.is_file() and not DENY.match_file(rel):
                verdict = ignored(rel)
                if DENY_SECRETS.match_file(rel):
                    if verdict is False:
                        problems.append(
                            f"{rel} looks like a secret file and .gitignore re-includes it; "
                            "secrets belong in Space secrets, not in the code"
                        )
                    elif verdict is None and _ENV_FILE.match_file(rel):
                        problems.append(
                            f"{rel} is an environment file inside the app; delete it or list "
                            "it in .gitignore (set its values as Space secrets/variables)"
                        )
                elif not verdict:
                    selected.append(rel)

    walk(top)
    return selected


def _gitignore(path: Path) -> GitIgnoreSpec:
    return GitIgnoreSpec.from_lines(path.read_text(encoding="utf-8", errors="replace").splitlines())


def _read(root: Path, rel: str, problems: list[str]) -> bytes | None:
    with open(os.path.join(root, rel), "rb") as handle:  # one open: size and content of the same file
        size = os.fstat(handle.fileno()).st_size
        data = None if size > MAX_FILE_BYTES else handle.read()
    if data is None:
        problems.append(
            f"{rel} is {size / 1024 / 1024:.1f} MB, over the {MAX_FILE_BYTES // 1024 // 1024} MB limit; "
            "keep data files out of the app (store them in Qdrant or a dataset)"
        )
        return None
    return data


def _summary(problems: list[str]) -> str:
    if len(problems) == 1:
        return problems[0]
    return f"{len(problems)} problems with the backend:\n" + "\n".join(f"  - {p}" for p in problems)
