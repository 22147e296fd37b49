"""Pure functions that turn a backend directory into the files of a Docker Space.

The bundle holds the backend's ``app/`` package (minus ignored, generated and test files), its
``requirements.txt`` without test-only packages, and the rendered ``Dockerfile`` and ``README.md``.
Nothing leaves the machine that should not: symlinks are resolved and must stay inside the backend
without landing on anything excluded; credential files (components/credentials.py) and files holding
secrets (components/secret_scan.py, plus the stack's own secret values) are refused, naming the file.
Nothing here talks to the network; the result is deterministic (sorted paths).
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from pathspec import GitIgnoreSpec

from components.credentials import credential_kind_by_content, credential_kind_by_name, requirement_credentials
from components.errors import BundleError
from components.secret_scan import scan
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
        "*.crt",
    ]
)

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


def bundle_for(settings: Settings, scan_cache: Path | None = None) -> Bundle:
    """Build the bundle for ``settings``: its backend plus the rendered Dockerfile and README.
    ``scan_cache`` remembers contents the secret scanner found clean (see secret_scan.py)."""
    return build_bundle(
        settings.backend_path,
        dockerfile=render_dockerfile(health_path=settings.health_path),
        readme=render_readme(settings),
        secrets={"HF_TOKEN": settings.hf_token, **settings.secrets},
        allow_secrets_in=settings.allow_secrets_in,
        scan_cache=scan_cache,
    )


def build_bundle(
    backend_dir: Path, *, dockerfile: str, readme: str, secrets: Mapping[str, str] | None = None,
    allow_secrets_in: Collection[str] = (), scan_cache: Path | None = None,
) -> Bundle:
    """Select and check the backend's files and add the generated ones.

    Args:
        backend_dir: the backend, holding ``app/main.py`` and ``requirements.txt``.
        dockerfile: rendered Dockerfile.
        readme: rendered README.md.
        secrets: secret name -> value; a file containing a value (8+ characters) is refused.
        allow_secrets_in: paths whose scanner findings (detect-secrets, hf_ shapes) are known false
            positives (config ``allowSecretsIn``); the stack's own secret values are refused anyway.
        scan_cache: file remembering contents found clean by the scanner.

    Raises:
        BundleError: listing every problem; messages name files and secret names, never values.
    """
    root = backend_dir.resolve()
    missing = [p for p in ("app/main.py", "requirements.txt") if not (root / p).is_file()]
    if missing:
        raise BundleError(f"{str(root)!r} has no {' or '.join(missing)}; point backendDir at the backend")

    problems: list[str] = []
    rules = _Rules(root, problems)
    requirements_link = None
    if (root / "requirements.txt").is_symlink():
        requirements_link, _ = _link_problem(root, "requirements.txt", root, rules)
        if requirements_link:
            problems.append(requirements_link)
    files: dict[str, bytes] = {}
    for rel in _select(root, "app", rules, problems):
        data = _read(root, rel, problems)
        if data is None:
            continue
        kind = credential_kind_by_content(rel, data)
        if kind:
            problems.append(f"{rel} holds a {kind}; credential files are never uploaded: delete it, move it out "
                            "of the backend or list it in .gitignore (secrets belong in Space secrets)")
        else:
            files[rel] = data
    for rel in [r for r in files if r.endswith(".py")]:
        parts = rel.split("/")[:-1]  # rel is relative and posix: its parent directories, deepest first
        while parts:
            files.setdefault(f"{'/'.join(parts)}/__init__.py", b"")
            parts.pop()
    requirements = None if requirements_link else _read(root, "requirements.txt", problems)
    if requirements is not None:
        try:
            for number in requirement_credentials(requirements.decode()):
                problems.append(
                    f"requirements.txt line {number} carries credentials in a URL (user:password@ or TOKEN@); "
                    "remove them: the file is public on the Space (a private index needs its token at build "
                    "time from a Space secret, never in the file)")
            files["requirements.txt"] = strip_test_requirements(requirements.decode()).encode()
        except UnicodeDecodeError:
            problems.append("requirements.txt is not UTF-8 text")
        except ValueError as e:
            problems.append(str(e))
    files["Dockerfile"] = dockerfile.encode()
    files["README.md"] = readme.encode()

    problems += scan_for_secrets(files, secrets or {}, allow_secrets_in)
    for finding in scan(files, skip=allow_secrets_in, cache_file=scan_cache):
        if finding.path == "requirements.txt" and finding.kind == "Basic Auth Credentials":
            continue  # reported above by line, with the fix for requirement files
        problems.append(
            f"{finding.path} line {finding.line} holds a secret ({finding.kind}); remove it (set it as a Space "
            "secret and read it from the environment), list the file in .gitignore, or, for a known false "
            f"positive, allow this one file: `pulumi config set --plaintext --path 'allowSecretsIn[0]' {finding.path}`")
    if problems:
        raise BundleError(_summary(problems))
    return Bundle(dict(sorted(files.items())))


def scan_for_secrets(files: Mapping[str, bytes], secrets: Mapping[str, str],
                     allow_secrets_in: Collection[str] = ()) -> list[str]:
    """Return one problem per file that holds a secret value or a Hugging Face token (the token shape
    is not checked in ``allow_secrets_in``; the secret values are checked everywhere)."""
    values = {name: v.encode() for name, v in secrets.items() if len(v) >= MIN_SECRET_LENGTH}
    problems = []
    for path, data in sorted(files.items()):
        found = sorted(name for name, value in values.items() if value in data)
        if found:
            problems.append(f"{path} contains the value of {', '.join(found)}; remove it from the file")
        elif path not in allow_secrets_in and HF_TOKEN_PATTERN.search(data):
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


class _Rules:
    """What the backend excludes: the deny list, virtualenvs, credential files and every .gitignore
    (the root's and nested ones), for any path relative to the backend root."""

    def __init__(self, root: Path, problems: list[str]) -> None:
        self.root = root
        self.problems = problems
        self._specs: dict[str, GitIgnoreSpec | None] = {}

    def _spec(self, rel_dir: str) -> GitIgnoreSpec | None:
        if rel_dir not in self._specs:
            path = os.path.join(self.root, rel_dir, ".gitignore")
            spec = None
            if os.path.isfile(path):
                real = Path(os.path.realpath(path))
                if real.is_relative_to(self.root):
                    spec = _gitignore(Path(path))
                else:
                    self.problems.append(_outside(_join(rel_dir, ".gitignore"), real))
            self._specs[rel_dir] = spec
        return self._specs[rel_dir]

    def gitignored(self, rel: str, is_dir: bool) -> bool | None:
        """.gitignore verdict for ``rel``: True ignored, False re-included by '!', None not mentioned."""
        verdict = None
        parts = rel.split("/")
        for depth in range(len(parts)):
            spec = self._spec("/".join(parts[:depth]))
            if spec is not None:
                result = spec.check_file("/".join(parts[depth:]) + ("/" if is_dir else ""))
                if result.include is not None:
                    verdict = result.include
        return verdict

    def leaf(self, rel: str, is_dir: bool) -> str | None:
        """Why ``rel`` itself (not its parents) is left out, or None."""
        if DENY.match_file(f"{rel}/" if is_dir else rel):
            return "on the deny list"
        if is_dir and os.path.exists(os.path.join(self.root, rel, "pyvenv.cfg")):
            return "a virtualenv"
        kind = credential_kind_by_name(f"{rel}/" if is_dir else rel)
        if kind:
            return f"a credential file ({kind})"
        if self.gitignored(rel, is_dir):
            return "ignored by .gitignore"
        return None

    def excluded(self, rel: str, is_dir: bool) -> str | None:
        """Why ``rel`` or one of its parent folders is left out, or None."""
        parts = rel.split("/")
        for depth in range(1, len(parts) + 1):
            why = self.leaf("/".join(parts[:depth]), depth < len(parts) or is_dir)
            if why:
                return why
        return None


def _join(rel_dir: str, name: str) -> str:
    return f"{rel_dir}/{name}" if rel_dir else name


def _outside(rel: str, real: Path) -> str:
    return (f"{rel} is a symlink to {real}, outside backendDir; nothing outside the backend is uploaded: "
            "copy what it needs into the backend instead of linking")


def _link_problem(root: Path, rel: str, real_dir: Path, rules: _Rules) -> tuple[str | None, Path | None]:
    """Check the symlink ``root/rel`` (whose folder's real path is ``real_dir``): a problem, or its real path."""
    link = os.path.join(real_dir, os.path.basename(rel))
    target = os.readlink(link)
    try:
        real = Path(os.path.realpath(link, strict=True))
    except OSError as error:
        if error.errno == errno.ELOOP:
            return f"{rel} is a symlink cycle ({rel} -> {target}); remove the link", None
        return None, None  # a broken link: nothing to upload
    if not real.is_relative_to(root):
        return _outside(rel, real), None
    if real == root:
        return f"{rel} is a symlink to the backend root ({target}); remove the link", None
    is_dir = real.is_dir()
    if is_dir and real_dir.is_relative_to(real):
        return f"{rel} is a symlink cycle: it links to {real.relative_to(root).as_posix()}, a folder holding it; " \
            "remove the link", None
    real_rel = real.relative_to(root).as_posix()
    why = rules.excluded(real_rel, is_dir)
    if why:
        return f"{rel} is a symlink to {real_rel}, which is {why}; remove the link", None
    return None, real


def _select(root: Path, top: str, rules: _Rules, problems: list[str]) -> list[str]:
    """Paths (relative to root, posix) of the files to bundle under ``root/top``.

    Every symlink is resolved: it must stay inside the backend, must not land on anything excluded
    (ignored, denied, credential) or on a folder holding it. Credential files are problems unless
    .gitignore already keeps them out.
    """
    selected: list[str] = []

    def walk(rel_dir: str, real_dir: Path, linked: bool) -> None:
        with os.scandir(real_dir) as scan:
            entries = sorted(scan, key=lambda e: e.name)
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}"
            # DirEntry.is_dir()/is_file() follow symlinks like Path's, without a stat for plain entries.
            try:
                is_dir = entry.is_dir()
                is_file = not is_dir and entry.is_file()
            except OSError:  # a symlink cycle
                is_dir = is_file = False
            if not is_dir and not is_file:
                if entry.is_symlink():
                    problem, _ = _link_problem(root, rel, real_dir, rules)
                    if problem:
                        problems.append(problem)
                continue
            why = rules.leaf(rel, is_dir)
            if why and why.startswith("a credential file"):
                verdict = rules.gitignored(rel, is_dir)
                if verdict is not True:
                    forced = " and .gitignore re-includes it" if verdict is False else ""
                    problems.append(f"{rel} is {why}{forced}; credential files are never uploaded: delete it, "
                                    "move it out of the backend or list it in .gitignore (secrets belong in "
                                    "Space secrets)")
                continue
            if why:
                continue
            real = Path(real_dir, entry.name)
            if entry.is_symlink():
                problem, resolved = _link_problem(root, rel, real_dir, rules)
                if problem:
                    problems.append(problem)
                if resolved is None:
                    continue
                real = resolved
            elif linked:
                why = rules.excluded(real.relative_to(root).as_posix(), is_dir)
                if why:
                    problems.append(f"{rel} is {real.relative_to(root).as_posix()} through a symlink, which is "
                                    f"{why}; remove the link")
                    continue
            if is_dir:
                walk(rel, real, linked or entry.is_symlink())
            else:
                selected.append(rel)

    top_path = root / top
    real_top = top_path
    if top_path.is_symlink():
        problem, resolved = _link_problem(root, top, root, rules)
        if problem or resolved is None:
            problems.append(problem or f"{top} is a broken symlink")
            return []
        real_top = resolved
    walk(top, real_top, real_top != top_path)
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
