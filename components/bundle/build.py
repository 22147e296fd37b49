"""Pure functions that turn a backend directory into the files of a Docker Space.

The bundle holds the whole backend directory, like ``upload_folder`` would send it, minus what
.gitignore, .dockerignore, config ``exclude`` and the deny list (tests, caches, virtualenvs, tooling)
leave out (config ``include`` forces ignored files in); ``__init__.py`` is added inside the entry
point's package; ``requirements.txt`` comes from the dependencies (dependencies.py), test-only packages
stripped; the backend's own ``Dockerfile`` is kept once it meets the Spaces rules
(rules/dockerfile.py), else one is rendered; ``README.md`` is always rendered (the product's front
matter over the backend's own README body, or the generated sections).
Nothing leaves the machine that should not: symlinks are resolved and must stay inside the backend
without landing on anything excluded; credential files (components/rules/credentials.py) and files holding
secrets (components/rules/secret_scan.py, plus the stack's own secret values) are refused, naming the file.
Nothing here talks to the network; the result is deterministic (sorted paths).
"""

from __future__ import annotations

import codecs
import errno
import hashlib
import os
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from pathspec import GitIgnoreSpec

from components.bundle import app_env, cors_source, routes
from components.bundle.dependencies import Dependencies, read_dependencies
from components.bundle.dependencies import strip_test_requirements as strip_test_requirements  # re-exported
from components.bundle.file_cache import Entry as Known
from components.bundle.file_cache import FileCache, stat_key
from components.bundle.git_ignore import git_ignored
from components.bundle.routes import Route, find_routes
from components.bundle.templating import render_dockerfile, render_readme
from components.config import MAX_FILE_MB, Settings
from components.errors import BundleError, Problem
from components.rules import credentials as _credentials
from components.rules.credentials import (
    credential_kind_by_content,
    credential_kind_by_name,
    credential_kind_by_windows,
    is_environment_file,
    needs_whole_file,
)
from components.rules.dockerfile import DEFAULT_APP_PORT, check_dockerfile
from components.rules.entry_point import Entry, detect_entry
from components.rules.globs import Globs
from components.rules.lazy_files import STREAM_BYTES, Files, chunks, kept, windows
from components.rules.secret_scan import bom_encoding, scan

MIN_SECRET_LENGTH = 8
#: The words an app reader parses a Python file for (routes, app_env, cors_source: each skips a file holding
#: none of its own): an unchanged Python file holding none of them is not even read (the file cache's
#: ``for_readers``), except the entry point, which the routes reader always parses.
READER_WORDS = tuple(dict.fromkeys(routes.WORDS + app_env.WORDS + cors_source.WORDS))
#: What the file cache's verdicts depend on besides a file's content: the credential rules (their source)
#: and the readers' words.
CACHE_RULES = hashlib.sha256(Path(_credentials.__file__).read_bytes() + repr(READER_WORDS).encode()).hexdigest()
HF_TOKEN_PATTERN = re.compile(rb"hf_[A-Za-z0-9]{30,}")

#: Never bundled, whatever .gitignore says: generated files, caches, tooling, tests.
DENY = Globs(
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
        ".dockerignore",
        ".gitattributes",
        ".github/",
        ".tox/",
        ".nox/",
        ".coverage",
        "htmlcov/",
        ".hf-rag-space/",
    ]
)

#: Left out by default, each overridable with config ``include`` (and listed under "skipped" in preview):
#: logs, build output, committed virtualenv trees of any OS, editor and coding-agent folders.
NOISE: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("a log file", ("*.log",)),
    ("build output", ("build/", "dist/", "*.egg-info/", ".eggs/")),
    ("part of a virtualenv", ("site-packages/", "pyvenv.cfg")),
    ("an editor or coding-agent folder", (
        ".specify/", ".qwen/", ".claude/", ".cursor/", ".vscode/", ".idea/", ".gemini/", ".windsurf/",
        ".kiro/", ".codex/", ".aider*", ".ipynb_checkpoints/")),
)
_NOISE_SPECS = tuple((why, Globs(patterns)) for why, patterns in NOISE)
_ANY_NOISE = Globs(pattern for _, patterns in NOISE for pattern in patterns)  # one search for the usual answer
#: Folders that agent tooling (spec-kit and its kin) fills with markdown: left out when they hold nothing
#: else, so an app's own ``history/`` package (chat history, say) is still uploaded.
DOCS_ONLY_FOLDERS = frozenset({"history", "specs"})
_DOCS_SUFFIXES = (".md", ".markdown", ".mdx")
#: Files and folders whose presence makes a folder a virtualenv (POSIX and Windows layouts), when it has no
#: pyvenv.cfg: ``bin/activate``, ``Scripts/activate``/``activate.bat``/``python.exe``.
_VENV_MARKERS = ("pyvenv.cfg", "bin/activate", "Scripts/activate", "Scripts/activate.bat", "Scripts/python.exe",
                 "Scripts/pip.exe")
#: Kinds of `Reason` listed under "skipped" in preview (the rest, deny list and ignore files, are expected).
LISTED_KINDS = frozenset({"environment", "noise"})
#: Characters that make a path print as something else: C0/C1 controls (newline, escape), Unicode line and
#: paragraph separators, and the bidirectional formatting characters (U+202E "RIGHT-TO-LEFT OVERRIDE" and
#: its kin, as in CVE-2021-42574 "Trojan Source").
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

@dataclass(frozen=True)
class Bundle:
    """The Space's files: repo path -> content, with a content manifest."""

    files: Mapping[str, bytes] = field(repr=False)
    """A rules.lazy_files.Files (a plain mapping given is wrapped): generated files and those the app readers
    read hold their bytes, the rest are read on demand; iterate over `kept` (lazy_files) to read contents."""
    routes: tuple[Route, ...] = ()
    """The app's routes, read from its code (components/bundle/routes.py)."""
    skipped: tuple[tuple[str, str], ...] = ()
    """(path, why) of what is left out that a user may not expect: environment files and the default
    noise (`LISTED_KINDS`); folders end with ``/``, names are printable (`shown`)."""
    app_port: int = DEFAULT_APP_PORT
    """The Space card's ``app_port`` (components/rules/dockerfile.py)."""
    warnings: tuple[str, ...] = ()
    """What may fail at run time, each with its fix (shown by preview, never blocking)."""
    facts: tuple[str, ...] = ()
    """What preview should say about the choices made (port, Dockerfile, dependencies)."""
    dockerfile_env: frozenset[str] = frozenset()
    """Names the Space's Dockerfile sets with ENV."""
    digests: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)
    """sha256 of files already known (computed while reading, or from the file cache); the rest are hashed."""
    sizes: Mapping[str, int] = field(default_factory=dict, repr=False, compare=False)
    """Byte size of each file, as read (or stat'ed, when taken from the file cache); may be empty (not known)."""

    @cached_property
    def manifest(self) -> dict[str, str]:
        """Repo path -> sha256 hex digest of the content, sorted by path."""
        return {path: self.digests.get(path) or hashlib.sha256(self.files[path]).hexdigest()
                for path in sorted(self.files)}

    def __post_init__(self) -> None:
        if not isinstance(self.files, Files):
            object.__setattr__(self, "files", Files(self.files))

    def __repr__(self) -> str:
        return f"Bundle({sorted(self.files)})"

    def skipped_report(self, limit: int = 40) -> str:
        """The "skipped" lines preview prints (empty when nothing is worth listing)."""
        if not self.skipped:
            return ""
        lines = [f"  {path}: {why}" for path, why in self.skipped[:limit]]
        if len(self.skipped) > limit:
            lines.append(f"  ... and {len(self.skipped) - limit} more")
        return "skipped (never uploaded):\n" + "\n".join(lines)

    def cors_check_path(self, configured: str | None, fallback: str) -> str:
        """``configured`` (corsCheckPath), else the app's first POST route without path parameters,
        else ``fallback`` (healthPath)."""
        posts = [r.path for r in self.routes if "POST" in r.method.split(", ") and "{" not in r.path]
        return configured or (posts[0] if posts else fallback)


def bundle_for(settings: Settings, scan_cache: Path | None = None) -> Bundle:
    """Build the bundle for ``settings``: its backend plus the rendered Dockerfile and README.
    ``scan_cache`` remembers contents the secret scanner found clean (see secret_scan.py)."""

    def dockerfile(layout: Layout) -> str:
        return render_dockerfile(
            health_path=settings.health_path, target=layout.entry.target, app_dir=layout.entry.app_dir,
            system_packages=settings.system_packages, port=layout.app_port,
            constraints=layout.dependencies is not None and layout.dependencies.constraints is not None)

    def readme(layout: Layout) -> str:
        return render_readme(settings, routes=layout.routes, body=layout.own_readme, app_port=layout.app_port)

    return build_bundle(
        settings.backend_path,
        dockerfile=dockerfile,
        readme=readme,
        secrets={"HF_TOKEN": settings.hf_token, **settings.secrets},
        allow_secrets_in=settings.allow_secrets_in,
        scan_cache=scan_cache,
        file_cache=scan_cache.with_name("file-cache") if scan_cache is not None else None,
        app_module=settings.app_module,
        max_file_mb=settings.max_file_mb,
        include=settings.include,
        exclude=settings.exclude,
        app_port=settings.app_port,
        dockerfile_mode=settings.dockerfile,
    )


@dataclass(frozen=True)
class Layout:
    """What the generated Dockerfile and README are rendered from."""

    entry: Entry
    dependencies: Dependencies | None
    own_readme: str | None
    """The backend's own README.md (its body is kept), None when it has none."""
    files: Mapping[str, bytes] = field(repr=False)
    """The backend files selected for the Space."""
    routes: tuple[Route, ...] = ()
    """The app's routes, read from its code."""
    app_port: int = DEFAULT_APP_PORT
    """The port the app listens on: the Space card's ``app_port``."""


Render = str | Callable[[Layout], str]


def build_bundle(
    backend_dir: Path, *, dockerfile: Render, readme: Render, secrets: Mapping[str, str] | None = None,
    allow_secrets_in: Collection[str] = (), scan_cache: Path | None = None, app_module: str | None = None,
    include: Sequence[str] = (), exclude: Sequence[str] = (), max_file_mb: int = MAX_FILE_MB,
    app_port: int | None = None, dockerfile_mode: str = "auto", file_cache: Path | None = None,
) -> Bundle:
    """Select and check the backend's files and add the generated ones.

    Args:
        backend_dir: the backend: an entry point (rules/entry_point.py) and requirements.txt or pyproject.toml.
        dockerfile: the generated Dockerfile (or a function of the layout rendering it), used when the
            backend has no Dockerfile of its own; its own is kept after the Spaces rules are checked.
        readme: README.md (or a function of the layout rendering it).
        secrets: secret name -> value; a file containing a value (8+ characters) is refused.
        allow_secrets_in: paths whose scanner findings (detect-secrets, hf_ shapes) are known false
            positives (config ``allowSecretsIn``); the stack's own secret values are refused anyway.
        scan_cache: file remembering contents found clean by the scanner.
        file_cache: file remembering each unchanged file's sha256 and credential verdict by its stat
            (components/bundle/file_cache.py), so they are not recomputed.
        app_module: config ``appModule`` (``module:attribute``), None to detect the entry point.
        include, exclude: config globs (gitignore syntax) forcing in what .gitignore/.dockerignore leave
            out, and leaving out more.
        max_file_mb: config ``maxFileSizeMB``: a larger file is refused, naming it.
        app_port: config ``appPort``, None to read the port from the backend's own Dockerfile (else 7860).
        dockerfile_mode: config ``dockerfile``: ``auto`` (the backend's own when it has one), ``own``
            (it must have one) or ``generated`` (the rendered one even when the backend has its own).

    Raises:
        BundleError: listing every problem; messages name files and secret names, never values.
    """
    root = backend_dir.resolve()
    if not root.is_dir():
        raise BundleError(f"{str(root)!r} is not a directory; point backendDir at the backend")
    entry = detect_entry(root, app_module)

    problems: list[Problem] = []
    rules = _Rules(root, problems, include=include, exclude=exclude)
    files = Files()
    skipped: list[tuple[str, str]] = []
    cache = FileCache(file_cache, CACHE_RULES)
    values = _secret_values(secrets or {})
    mark = _secrets_mark(values)
    digests: dict[str, str] = {}
    sizes: dict[str, int] = {}
    checked: dict[str, tuple[bytes | str, Problem | None]] = {}  # rel -> (content checked, its secret-value problem)
    for rel in _select(root, "", rules, problems, skipped):
        seen = _look(root, rel, problems, max_file_mb, cache, values, f"{mark}:{int(rel in allow_secrets_in)}",
                     check_token=rel not in allow_secrets_in, parsed_anyway=rel == entry.file)
        if seen is None:
            continue
        if seen.credential:
            problems.append(Problem(rel, "credential", f"{rel} holds a {seen.credential}; credential files are never "
                                    "uploaded: delete it, move it out of the backend or list it in .gitignore "
                                    "(secrets belong in Space secrets)"))
            continue
        content: bytes | str = seen.data if seen.data is not None else os.path.join(root, rel)
        if isinstance(content, bytes):
            files[rel] = content
        else:
            files.put_source(rel, content)
        digests[rel] = seen.sha256
        sizes[rel] = seen.size
        checked[rel] = (content, seen.secret_problem)
    if entry.file not in files and not problems:
        problems.append(Problem(entry.file, "entry", f"the entry point {entry.file} is left out by the ignore rules; "
                                "include it"))
    package = entry.package
    if package is not None:
        for rel in [r for r in files if r.endswith(".py") and r.startswith(f"{package}/")]:
            parts = rel.split("/")[:-1]  # rel is relative and posix: its parent directories, deepest first
            while len(parts) >= package.count("/") + 1:
                files.setdefault(f"{'/'.join(parts)}/__init__.py", b"")
                parts.pop()
    dependencies = None
    if not any(p.kind == "symlink" and p.path == "requirements.txt" for p in problems):
        found: list[str] = []
        dependencies = read_dependencies(
            root, found, check=lambda rel: _include_problem(root, rel, rules, max_file_mb))
        problems += [Problem("", "dependencies", text) for text in found]
    if dependencies is not None:
        files["requirements.txt"] = dependencies.requirements.encode()
        if dependencies.constraints is not None:
            files["constraints.txt"] = dependencies.constraints.encode()
    own_readme = files["README.md"].decode("utf-8", "replace") if "README.md" in files else None
    routes = tuple(find_routes(kept(files), entry.module, entry.app_dir, entry.attribute))
    warnings = list(dependencies.notes) if dependencies is not None else []
    facts: list[str] = []
    port, dockerfile_env = app_port or DEFAULT_APP_PORT, frozenset({"HOME", "PATH"})
    own = "Dockerfile" in files and dockerfile_mode != "generated"
    if own:
        scripts = files.subset(rel for rel in files if rel.endswith(".py") or files.in_memory(rel) is not None)
        report = check_dockerfile(files["Dockerfile"].decode("utf-8", "replace"), scripts, app_port)  # read on demand
        problems += [Problem("Dockerfile", "dockerfile", text) for text in report.problems]
        warnings += report.warnings
        port, dockerfile_env = report.port, report.env
        facts.append(f"Dockerfile: the backend's own; app_port {port} ({report.port_source})")
    elif dockerfile_mode == "own":
        problems.append(Problem("Dockerfile", "dockerfile", "config dockerfile is `own`, but backendDir has no "
                                "Dockerfile: add one, or let the product write it: "
                                "`pulumi config set dockerfile auto`"))
    else:
        why = " (config dockerfile is `generated`: the backend's own is not uploaded)" if "Dockerfile" in files else ""
        facts.append(f"Dockerfile: generated{why}; app_port {port}"
                     + (" (config appPort)" if app_port else " (the Hub's default)"))
    layout = Layout(entry, dependencies, own_readme, files.copy(), routes, port)
    if not own and dependencies is not None:
        files["Dockerfile"] = (dockerfile(layout) if callable(dockerfile) else dockerfile).encode()
    files["README.md"] = (readme(layout) if callable(readme) else readme).encode()

    cache.save()
    # What was checked while reading still stands for a file whose content is still the one read (the same
    # bytes, or the same file on disk); generated and replaced files are checked here.
    still = {rel for rel, (content, _) in checked.items()
             if (files.in_memory(rel) if isinstance(content, bytes) else files.source(rel) if rel in files else None)
             is content}
    digests = {rel: digest for rel, digest in digests.items() if rel in still}
    value_problems = [problem for rel, (_, problem) in checked.items() if rel in still and problem]
    value_problems += _secret_value_problems({rel: files[rel] for rel in files if rel not in still}, values,
                                             allow_secrets_in)
    problems += sorted(value_problems, key=lambda problem: problem.path)
    for finding in scan(files, skip=allow_secrets_in, cache_file=scan_cache, digests=digests):
        if finding.path == "requirements.txt" and finding.kind in ("Basic Auth Credentials", "Token in a URL"):
            continue  # reported above by line, with the fix for requirement files
        problems.append(Problem(finding.path, "secret", (
            f"{shown(finding.path)} {finding.where} holds a secret ({finding.kind}); remove it (set it as a Space "
            "secret and read it from the environment), list the file in .gitignore, or, for a known false "
            "positive, allow this one file: "
            f"`pulumi config set --plaintext --path 'allowSecretsIn[0]' {finding.path}`")))
    if problems:
        raise BundleError(problems)
    sizes = {rel: size for rel, size in sizes.items() if rel in still}
    sizes.update((rel, len(data)) for rel, data in files.kept().items() if rel not in sizes)
    return Bundle(files.sorted(), routes, skipped=tuple(skipped), app_port=port, warnings=tuple(warnings),
                  facts=tuple(facts), dockerfile_env=dockerfile_env, digests=digests, sizes=sizes)


def secret_problems(files: Mapping[str, bytes], secrets: Mapping[str, str],
                    allow_secrets_in: Collection[str] = ()) -> list[Problem]:
    """One problem per file that holds a secret value or a Hugging Face token (the token shape is not
    checked in ``allow_secrets_in``; the secret values are checked everywhere)."""
    return _secret_value_problems(files, _secret_values(secrets), allow_secrets_in)


def _secret_values(secrets: Mapping[str, str]) -> dict[str, bytes]:
    return {name: v.encode() for name, v in secrets.items() if len(v) >= MIN_SECRET_LENGTH}


def _secrets_mark(values: Mapping[str, bytes]) -> str:
    """What a cached "free of the secret values" verdict is valid for: the values (and the rules) through a
    slow salted hash, so the cache file never holds a value nor a fast hash of one; a rotation re-checks."""
    material = b"\0".join(name.encode() + b"=" + value for name, value in sorted(values.items()))
    salt = f"hf-rag-space secret values {MIN_SECRET_LENGTH} {HF_TOKEN_PATTERN.pattern!r}".encode()
    return hashlib.pbkdf2_hmac("sha256", material, salt, 20_000).hex()[:32]


def _secret_value_problems(files: Mapping[str, bytes], values: Mapping[str, bytes],
                           allow_secrets_in: Collection[str]) -> list[Problem]:
    found = (_secret_problem(path, (data,), values, path not in allow_secrets_in)
             for path, data in sorted(files.items()))
    return [problem for problem in found if problem is not None]


def _secret_problem(path: str, pieces: Iterable[bytes], values: Mapping[str, bytes],
                    check_token: bool) -> Problem | None:
    """The problem of a file (given in consecutive pieces) holding a secret value, or (``check_token``) a
    Hugging Face token shape: in its raw bytes and, for a UTF-16/32 file, in its text as UTF-8."""
    overlap = max([len(v) for v in values.values()] + [64])
    found: set[str] = set()
    token = False
    decoder: codecs.IncrementalDecoder | None = None
    raw_tail = text_tail = b""
    for i, piece in enumerate(pieces):
        if i == 0:
            encoding = bom_encoding(piece)
            decoder = codecs.getincrementaldecoder(encoding)(errors="replace") if encoding else None
        forms = [raw_tail + piece]
        raw_tail = forms[0][-overlap:]
        if decoder is not None:
            forms.append(text_tail + decoder.decode(piece).encode("utf-8"))
            text_tail = forms[1][-overlap:]
        found |= {name for name, value in values.items() if any(value in form for form in forms)}
        token = token or (check_token and any(HF_TOKEN_PATTERN.search(form) for form in forms))
    if found:
        return Problem(path, "secret", f"{path} contains the value of {', '.join(sorted(found))}; remove it from "
                       "the file")
    if token:
        return Problem(path, "secret", f"{path} contains something shaped like a Hugging Face token (hf_...); "
                       "remove it")
    return None


@dataclass(frozen=True)
class Reason:
    """Why a path is left out: `kind` (``deny``, ``environment``, ``noise``, ``credential``, ``ignored``) for
    the code, `text` for the person (what `str` gives)."""

    kind: str
    text: str

    def __str__(self) -> str:
        return self.text


class _Rules:
    """What the backend excludes, for any path relative to the backend root: the deny list, environment
    files, the default noise, virtualenvs, credential files, and what git ignores (components/bundle/git_ignore.py:
    git's own rules when the backend is in a git work tree, else every .gitignore inside the backend read
    with pathspec), .dockerignore and config ``exclude``; config ``include`` forces in the ignored and noise."""

    def __init__(self, root: Path, problems: list[Problem], include: Sequence[str] = (),
                 exclude: Sequence[str] = ()) -> None:
        self.root = root
        self.problems = problems
        self.git = git_ignored(root)
        self._specs: dict[str, GitIgnoreSpec | None] = {}
        self.include_patterns = [p.strip().lstrip("/") for p in include if p.strip()]
        self.include = GitIgnoreSpec.from_lines(include) if include else None
        self.exclude = GitIgnoreSpec.from_lines(exclude) if exclude else None
        self.docker = None
        dockerignore = root / ".dockerignore"
        if dockerignore.is_file():
            real = Path(os.path.realpath(dockerignore))
            if real.is_relative_to(root):
                text = dockerignore.read_text(encoding="utf-8", errors="replace")
                self.docker = GitIgnoreSpec.from_lines(_anchored(text))
            else:
                problems.append(_outside(".dockerignore", real))

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

    def forced_in(self, rel: str, is_dir: bool) -> bool:
        """Whether config ``include`` names ``rel`` (a folder: or may name something inside it)."""
        return self.include is not None and (self.include.match_file(f"{rel}/" if is_dir else rel) or (
            is_dir and any(p.startswith(f"{rel}/") or "/" not in p.rstrip("/") for p in self.include_patterns)))

    def names(self, rel: str, is_dir: bool) -> bool:
        """Whether config ``include`` names ``rel`` itself or (a folder) a path inside it: what brings back
        default noise (an unanchored ``*.py`` does not open every virtualenv)."""
        return self.include is not None and (self.include.match_file(f"{rel}/" if is_dir else rel) or (
            is_dir and any(p.startswith(f"{rel}/") for p in self.include_patterns)))

    def gitignored(self, rel: str, is_dir: bool) -> bool | None:
        """Ignore verdict for ``rel``: True ignored, False re-included, None not mentioned. From config
        ``include`` (forces in) and ``exclude``, then git's rules and .dockerignore (either ignores)."""
        probe = f"{rel}/" if is_dir else rel
        if self.forced_in(rel, is_dir):
            return False
        if self.exclude is not None and self.exclude.match_file(probe):
            return True
        git = self._gitignored(rel, is_dir)
        docker = self.docker.check_file(probe).include if self.docker is not None else None
        if git or docker:
            return True
        return False if git is False or docker is False else None

    def _gitignored(self, rel: str, is_dir: bool) -> bool | None:
        if self.git is not None:
            return self.git.ignored(rel, is_dir) or None
        verdict = None
        parts = rel.split("/")
        for depth in range(len(parts)):
            spec = self._spec("/".join(parts[:depth]))
            if spec is not None:
                result = spec.check_file("/".join(parts[depth:]) + ("/" if is_dir else ""))
                if result.include is not None:
                    verdict = result.include
        return verdict

    def leaf(self, rel: str, is_dir: bool) -> Reason | None:
        """Why ``rel`` itself (not its parents) is left out, or None."""
        if DENY.match_file(f"{rel}/" if is_dir else rel):
            return Reason("deny", "on the deny list")
        if not is_dir and is_environment_file(rel):
            return Reason("environment",
                          "an environment file (the Space gets its settings from Space secrets and variables)")
        noise = None if self.names(rel, is_dir) else self.noise(rel, is_dir)
        if noise:
            return Reason("noise", f"left out by default ({noise}; upload it with "
                                   f"`pulumi config set --plaintext --path 'include[0]' {shown(rel)}`)")
        kind = credential_kind_by_name(f"{rel}/" if is_dir else rel)
        if kind:
            return Reason("credential", f"a credential file ({kind})")
        if self.gitignored(rel, is_dir):
            return Reason("ignored", "ignored by .gitignore")
        return None

    def noise(self, rel: str, is_dir: bool) -> str | None:
        """Which default noise ``rel`` is (`NOISE`, a virtualenv, a docs-only agent folder), or None."""
        probe = f"{rel}/" if is_dir else rel
        if _ANY_NOISE.match_file(probe):
            for why, spec in _NOISE_SPECS:
                if spec.match_file(probe):
                    return why
        if not is_dir:
            return None
        path = os.path.join(self.root, rel)
        if any(os.path.exists(os.path.join(path, marker)) for marker in _VENV_MARKERS):
            return "a virtualenv"
        if os.path.basename(rel) in DOCS_ONLY_FOLDERS and _only_docs(path):
            return "an agent's markdown folder"
        return None

    def excluded(self, rel: str, is_dir: bool) -> Reason | None:
        """Why ``rel`` or one of its parent folders is left out, or None."""
        parts = rel.split("/")
        for depth in range(1, len(parts) + 1):
            why = self.leaf("/".join(parts[:depth]), depth < len(parts) or is_dir)
            if why:
                return why
        return None


def _only_docs(path: str) -> bool:
    """Whether the folder ``path`` holds files and all of them are markdown."""
    names = [name for _, _, files in os.walk(path) for name in files if name not in (".DS_Store", ".gitkeep")]
    return bool(names) and all(name.lower().endswith(_DOCS_SUFFIXES) for name in names)


def unprintable(name: str) -> bool:
    """Whether a file name holds a control character, a line separator or a bidirectional override."""
    if name.isascii():  # the usual name: only the C0 controls and DEL are not printable in ASCII
        return not name.isprintable()
    return any(unicodedata.category(c) in ("Cc", "Zl", "Zp") or c in _BIDI for c in name)


def shown(rel: str) -> str:
    """``rel`` as printed in messages: controls, separators and bidi characters escaped (``\\n``, ``\\u202e``)."""
    if not unprintable(rel):
        return rel
    return "".join(c.encode("unicode_escape").decode("ascii") if unprintable(c) else c for c in rel)


def _anchored(dockerignore: str) -> list[str]:
    """.dockerignore lines as gitignore patterns: Docker matches from the context root only."""
    lines = []
    for line in dockerignore.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate, pattern = (line.startswith("!"), line.lstrip("!").lstrip("/"))
        if not pattern.startswith("**"):
            pattern = f"/{pattern}"
        lines.append(f"{'!' if negate else ''}{pattern}")
    return lines


def _join(rel_dir: str, name: str) -> str:
    return f"{rel_dir}/{name}" if rel_dir else name


def _outside(rel: str, real: Path) -> Problem:
    return Problem(rel, "symlink", f"{shown(rel)} is a symlink to {shown(str(real))}, outside backendDir; nothing "
                   "outside the backend is uploaded: copy what it needs into the backend instead of linking")


def _link_problem(root: Path, rel: str, real_dir: Path, rules: _Rules) -> tuple[Problem | None, Path | None]:
    """Check the symlink ``root/rel`` (whose folder's real path is ``real_dir``): a problem, or its real path."""
    link = os.path.join(real_dir, os.path.basename(rel))
    target = os.readlink(link)
    try:
        real = Path(os.path.realpath(link, strict=True))
    except OSError as error:
        if error.errno == errno.ELOOP:
            return Problem(rel, "symlink", f"{shown(rel)} is a symlink cycle ({shown(rel)} -> {shown(target)}); "
                           "remove the link"), None
        return None, None  # a broken link: nothing to upload
    if not real.is_relative_to(root):
        return _outside(rel, real), None
    if real == root:
        return Problem(rel, "symlink", f"{shown(rel)} is a symlink to the backend root ({shown(target)}); remove "
                       "the link"), None
    is_dir = real.is_dir()
    if is_dir and real_dir.is_relative_to(real):
        return Problem(rel, "symlink", f"{shown(rel)} is a symlink cycle: it links to "
                       f"{shown(real.relative_to(root).as_posix())}, a folder holding it; remove the link"), None
    real_rel = real.relative_to(root).as_posix()
    why = rules.excluded(real_rel, is_dir)
    if why:
        return Problem(rel, "symlink", f"{shown(rel)} is a symlink to {shown(real_rel)}, which is {why}; remove "
                       "the link"), None
    return None, real


def _select(root: Path, top: str, rules: _Rules, problems: list[Problem],
            skipped: list[tuple[str, str]] | None = None) -> list[str]:
    """Paths (relative to root, posix) of the files to bundle under ``root/top``.

    Every symlink is resolved: it must stay inside the backend, must not land on anything excluded
    (ignored, denied, credential) or on a folder holding it. Credential files are problems unless
    .gitignore already keeps them out; so is a name that would print as something else (`unprintable`).
    ``skipped`` receives (path, why) for what a user may not expect to be left out (`LISTED_REASONS`).
    """
    selected: list[str] = []

    def walk(rel_dir: str, real_dir: Path, linked: bool) -> None:
        with os.scandir(real_dir) as scan:
            entries = sorted(scan, key=lambda e: e.name)
        for entry in entries:
            rel = _join(rel_dir, entry.name)
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
            if why and why.kind == "credential":
                verdict = rules.gitignored(rel, is_dir)
                if verdict is not True:
                    forced = " and .gitignore re-includes it" if verdict is False else ""
                    problems.append(Problem(rel, "credential", f"{shown(rel)} is {why}{forced}; credential files are "
                                            "never uploaded: delete it, move it out of the backend or list it in "
                                            ".gitignore (secrets belong in Space secrets)"))
                continue
            if why:
                if skipped is not None and why.kind in LISTED_KINDS:
                    skipped.append((shown(f"{rel}/" if is_dir else rel), str(why)))
                continue
            if unprintable(entry.name):
                problems.append(Problem(rel, "name", f"{shown(rel)} has a name with a control character, line "
                                        "separator or bidirectional override (shown escaped); rename it: the name "
                                        "would print as something else in `pulumi preview --diff` and on the Hub"))
                continue
            if not is_dir and not linked and not entry.is_symlink():
                selected.append(rel)  # the common case: a plain file reached without a link, no Path built
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
                    real_rel = shown(real.relative_to(root).as_posix())
                    problems.append(Problem(rel, "linked", f"{shown(rel)} is {real_rel} through a symlink, which is "
                                            f"{why}; remove the link"))
                    continue
            if is_dir:
                walk(rel, real, linked or entry.is_symlink())
            else:
                selected.append(rel)

    walk(top, root / top if top else root, False)
    return selected


def _include_problem(root: Path, rel: str, rules: _Rules, max_file_mb: int) -> str | None:
    """Why the requirement file ``rel`` that an ``-r``/``-c`` include names may not be copied into the
    Space's requirements: the rules every selected file meets (deny list, ignore files, config exclude,
    credential names, symlinks onto excluded paths, credential content), or None."""
    why = rules.excluded(rel, False)
    if why:
        return str(why)
    path = os.path.join(root, rel)
    real = Path(os.path.realpath(path))
    if real.is_relative_to(root) and real != Path(root, rel):
        real_rel = real.relative_to(root).as_posix()
        why = rules.excluded(real_rel, False)
        if why:
            return f"a symlink to {real_rel}, which is {why}"
    try:
        with open(path, "rb") as handle:
            kind = credential_kind_by_content(rel, handle.read(max_file_mb * 1024 * 1024))
    except OSError:
        return None  # missing or outside: dependencies.py names it
    return f"a credential file ({kind})" if kind else None


def _gitignore(path: Path) -> GitIgnoreSpec:
    return GitIgnoreSpec.from_lines(path.read_text(encoding="utf-8", errors="replace").splitlines())


def _read_by_readers(rel: str) -> bool:
    """Whether the app readers read ``rel`` (routes, app_env, CORS and the Dockerfile check read Python files,
    the README body and the Dockerfile): its bytes stay in memory; every other file is read on demand."""
    return rel.endswith(".py") or rel in ("Dockerfile", "README.md")


@dataclass(frozen=True)
class _Seen:
    sha256: str
    credential: str | None
    secret_problem: Problem | None
    data: bytes | None
    """The bytes, kept only for a file the readers read."""
    size: int


def _look(root: Path, rel: str, problems: list[Problem], max_file_mb: int, cache: FileCache,
          values: Mapping[str, bytes], mark: str, check_token: bool, parsed_anyway: bool = False) -> _Seen | None:
    """What the bundle needs of one file: its sha256, credential verdict and secret-value problem, and its bytes
    if the readers read it. An unchanged file (the file cache's stat key) that no reader reads is not even
    opened, nor an unchanged Python file holding none of the readers' words (`READER_WORDS`) unless
    ``parsed_anyway`` (the entry point); a large one is read in chunks, never whole. None (with a problem)
    when it is over the size limit."""
    path = os.path.join(root, rel)
    limit = max_file_mb * 1024 * 1024
    keep = _read_by_readers(rel)
    if not keep or (rel.endswith(".py") and not parsed_anyway):  # a stat, not an open: from the cache
        st = os.stat(path)
        known = cache.get(rel, st) if st.st_size <= limit else None
        if known is not None and known.clean_of == mark and (not keep or known.for_readers is False):
            return _Seen(known.sha256, known.credential, None, None, st.st_size)
    with open(path, "rb") as handle:  # one open: size and content of the same file
        st = os.fstat(handle.fileno())
        if st.st_size > limit:
            problems.append(Problem(
                rel, "size", f"{shown(rel)} is {st.st_size / 1024 / 1024:.1f} MB, over the {max_file_mb} MB limit per "
                "file (raise it with `pulumi config set maxFileSizeMB <MB>`); keep large data out of the app (a "
                "dataset repo, or Qdrant)"))
            return None
        known = cache.get(rel, st)
        data = None
        if keep or st.st_size < STREAM_BYTES or needs_whole_file(rel):
            data = handle.read()
            size = len(data)
            if known is None:
                known = Known(hashlib.sha256(data).hexdigest(), credential_kind_by_content(rel, data))
            if keep:
                known = replace(known, for_readers=any(word in data for word in READER_WORDS))
            problem = None if known.clean_of == mark else _secret_problem(rel, (data,), values, check_token)
        else:
            digest, size = hashlib.sha256(), 0
            for chunk in chunks(handle):
                digest.update(chunk)
                size += len(chunk)
            if known is None:
                handle.seek(0)
                known = Known(digest.hexdigest(), credential_kind_by_windows(windows(chunks(handle), 4096)))
            handle.seek(0)
            problem = None if known.clean_of == mark else _secret_problem(rel, chunks(handle), values, check_token)
        if size == st.st_size and stat_key(os.fstat(handle.fileno())) == stat_key(st):  # did not change while read
            cache.put(rel, st, replace(known, clean_of=mark if problem is None else None))
    return _Seen(known.sha256, known.credential, problem, data if keep else None, size)
