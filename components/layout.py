"""A backend's layout: its FastAPI entry point and its dependencies. Pure; reads only the backend.

Entry point, first found: ``app/main.py`` (``app.main:app``, the seed's layout), ``main.py``
(``main:app``), ``app.py`` (``app:app``), ``src/main.py`` (``src.main:app``, so its relative imports
work; ``main:app`` with ``--app-dir src`` when it imports its siblings by absolute name),
``src/<package>/main.py`` (``<package>.main:app``, served with ``--app-dir src``, or
``src.<package>.main:app`` when the code imports ``src.``); or the ``appModule`` config key
(``module:attribute``).

Dependencies: ``requirements.txt`` (``-r`` includes inside the backend inlined, ``-c`` constraint
files gathered into one ``constraints.txt``; an included file must pass the upload rules), else
``pyproject.toml``'s PEP 621 ``[project] dependencies`` (optional groups such as ``test``/``dev`` are never
shipped), constrained to the versions ``uv.lock`` pins when there is one.
"""

from __future__ import annotations

import ast
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from components.credentials import requirement_credentials
from components.errors import BundleError

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
_MODULE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
#: An include as pip reads it: ``-r FILE``, ``-rFILE``, ``--requirement FILE``, ``--requirement=FILE`` (``-c`` /
#: ``--constraint`` alike), optionally followed by a `` # comment`` (pip drops ``#`` after whitespace).
_INCLUDE = re.compile(r"^\s*(?:(?P<short>-r|-c)\s*|(?P<long>--requirement|--constraint)(?:\s+|=))"
                      r"(?P<path>[^\s#=]\S*)(?:\s+#.*)?\s*$")
_INCLUDE_FORMS = "`-r FILE`, `-rFILE`, `--requirement FILE`, `--requirement=FILE` (or -c/--constraint)"
_EDITABLE_SELF = re.compile(r"^\s*(-e\s+)?\.(\[.*\])?\s*$")


@dataclass(frozen=True)
class Entry:
    """Where the ASGI app is: ``module:attribute``, the file that defines it and uvicorn's app dir."""

    module: str
    attribute: str
    file: str
    app_dir: str = ""
    """Folder put on sys.path first (``src`` for the src layout), "" for the backend root."""

    @property
    def target(self) -> str:
        return f"{self.module}:{self.attribute}"

    @property
    def package(self) -> str | None:
        """The top package folder (``app``, ``src/pkg``) holding the entry point, None for a top-level module."""
        if "." not in self.module:
            return None
        top = self.module.split(".")[0]
        return f"{self.app_dir}/{top}" if self.app_dir else top


LOOKED_FOR = ("app/main.py (app.main:app), main.py (main:app), app.py (app:app), src/main.py (src.main:app), "
              "src/<package>/main.py")


def detect_entry(root: Path, app_module: str | None = None) -> Entry:
    """The backend's entry point; ``app_module`` (config ``appModule``) wins when set.

    Raises:
        BundleError: nothing found (naming what was looked for and the key), or appModule names no file.
    """
    if app_module:
        module, _, attribute = app_module.partition(":")
        attribute = attribute or "app"
        if not _MODULE.fullmatch(module) or not attribute.isidentifier():
            raise BundleError(f"{app_module!r} is not `module:attribute`, e.g. server.api:app", key="appModule")
        rel = module.replace(".", "/")
        for app_dir in ("", "src"):
            for candidate in (f"{rel}.py", f"{rel}/__init__.py"):
                if (root / app_dir / candidate).is_file():
                    return Entry(module, attribute, f"{app_dir}/{candidate}".lstrip("/"), app_dir)
        raise BundleError(f"{app_module!r}: neither {rel}.py nor {rel}/__init__.py exists in backendDir "
                          "(or its src/ folder)", key="appModule")
    if (root / "app" / "main.py").is_file():
        return Entry("app.main", "app", "app/main.py")
    if (root / "main.py").is_file():
        return Entry("main", "app", "main.py")
    if (root / "app.py").is_file():
        return Entry("app", "app", "app.py")
    src = root / "src"
    if (src / "main.py").is_file():
        relative, tops = _imports(src / "main.py")
        siblings = {p.stem for p in src.iterdir() if p.suffix == ".py" or (p / "__init__.py").is_file()}
        if not relative and "src" not in tops and tops & siblings:
            return Entry("main", "app", "src/main.py", "src")
        return Entry("src.main", "app", "src/main.py")
    if src.is_dir():
        packages = sorted(p.name for p in src.iterdir() if (p / "main.py").is_file() and p.name.isidentifier())
        if len(packages) == 1:
            if "src" in _imports(src / packages[0] / "main.py")[1]:
                return Entry(f"src.{packages[0]}.main", "app", f"src/{packages[0]}/main.py")
            return Entry(f"{packages[0]}.main", "app", f"src/{packages[0]}/main.py", "src")
        if packages:
            raise BundleError(f"src/ holds several packages with a main.py ({', '.join(packages)}); choose one "
                              f"with `pulumi config set appModule {packages[0]}.main:app`", key="appModule")
    raise BundleError(f"no FastAPI entry point in {str(root)!r}: looked for {LOOKED_FOR}; point backendDir at "
                      "the backend or set `pulumi config set appModule <module>:<attribute>`")


def _imports(path: Path) -> tuple[bool, set[str]]:
    """(whether ``path`` has relative imports, the top-level names it imports absolutely)."""
    try:
        tree = ast.parse(path.read_bytes())
    except (OSError, SyntaxError, ValueError):
        return False, set()
    relative, tops = False, set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                relative = True
            elif node.module:
                tops.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            tops |= {alias.name.split(".")[0] for alias in node.names}
    return relative, tops


def has_entry_point(root: Path, app_module: str | None = None) -> bool:
    """Whether `detect_entry` finds an entry point (an invalid appModule counts as found: its own key says why)."""
    try:
        detect_entry(root, app_module)
    except BundleError as error:
        return error.key.endswith(":appModule") and bool(app_module)
    return True


@dataclass(frozen=True)
class Dependencies:
    """The Space's requirements.txt (and constraints.txt, when the backend has -c files)."""

    requirements: str
    constraints: str | None
    source: str
    """Where they come from: requirements.txt or pyproject.toml."""
    notes: tuple[str, ...] = ()
    """What preview says about the choice (requirements.txt and pyproject.toml disagreeing)."""


#: Why a file may not be uploaded (bundle.py's ignore/deny/credential/symlink rules), or None.
Check = Callable[[str], str | None]


def read_dependencies(root: Path, problems: list[str], check: Check | None = None) -> Dependencies | None:
    """The backend's dependencies, test-only packages stripped; problems appended, None if unusable.

    ``check`` says why a file may not be uploaded; an included (-r/-c) file is copied into the uploaded
    requirements.txt/constraints.txt, so an include ``check`` refuses is a problem naming file and rule.
    """
    declared = _pyproject_dependencies(root)
    if (root / "requirements.txt").is_file():
        constraints: list[str] = []
        lines = _inline(root, "requirements.txt", problems, constraints, seen=(), check=check)
        text = strip_test_requirements("".join(lines))
        constraint_text = strip_test_requirements("".join(constraints)) if constraints else None
        if constraint_text is not None:
            text = text + ("" if text.endswith("\n") or not text else "\n") + "-c constraints.txt\n"
        notes = _disagreement(text, declared) if isinstance(declared, list) else ()
        return Dependencies(text, constraint_text, "requirements.txt", notes)
    if (root / "pyproject.toml").is_file():
        if isinstance(declared, str):
            problems.append(declared)
            return None
        if declared is None:
            problems.append("pyproject.toml has no PEP 621 `[project] dependencies` list; add one (optional "
                            "groups are not installed) or add a requirements.txt")
            return None
        text = "".join(f"{d}\n" for d in declared)
        for number in requirement_credentials(text):
            problems.append(f"pyproject.toml [project] dependencies item {number} carries credentials in a URL; "
                            "remove them: the file is public on the Space")
        header = "# Generated by hf-rag-space from pyproject.toml [project] dependencies (no optional groups).\n"
        requirements = header + strip_test_requirements(text)
        pins = uv_lock_pins(root, problems)
        if pins:
            requirements += "-c constraints.txt\n"
            pins = "# Generated by hf-rag-space from uv.lock: the versions `uv sync` installs.\n" + pins
        return Dependencies(requirements, pins, "pyproject.toml")
    problems.append("no requirements.txt or pyproject.toml (with [project] dependencies) in backendDir; add one")
    return None


def _pyproject_dependencies(root: Path) -> list[str] | str | None:
    """pyproject.toml's PEP 621 ``[project] dependencies``; a problem (str) when it does not parse; None when
    there is no such list."""
    if not (root / "pyproject.toml").is_file():
        return None
    try:
        project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8")).get("project") or {}
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        return f"pyproject.toml is not valid TOML: {error}"
    dependencies = project.get("dependencies") if isinstance(project, dict) else None
    if not isinstance(dependencies, list) or not all(isinstance(d, str) for d in dependencies):
        return None
    return dependencies


def uv_lock_pins(root: Path, problems: list[str]) -> str | None:
    """``name==version`` constraint lines for the registry packages of ``uv.lock`` (None without one), so a
    pyproject.toml backend gets on the Space the versions its lock file resolved. A package locked at
    several versions (per-platform forks) is left free; git, path and editable sources are skipped."""
    path = root / "uv.lock"
    if not path.is_file():
        return None
    try:
        lock = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        problems.append(f"uv.lock is not valid TOML: {error}; regenerate it with `uv lock`")
        return None
    versions: dict[str, set[str]] = {}
    for package in lock.get("package") or []:
        if not isinstance(package, dict):
            continue
        source = package.get("source")
        name, version = package.get("name"), package.get("version")
        if isinstance(source, dict) and "registry" in source and isinstance(name, str) and isinstance(version, str):
            versions.setdefault(re.sub(r"[-_.]+", "-", name).lower(), set()).add(version)
    lines = [f"{name}=={next(iter(found))}\n" for name, found in sorted(versions.items())
             if len(found) == 1 and name not in TEST_ONLY_PACKAGES and not name.startswith("pytest-")]
    return "".join(lines) or None


def requirement_names(text: str) -> set[str]:
    """The normalised (PEP 503) project names a requirements text installs, test-only ones included."""
    names = set()
    for line in text.splitlines():
        match = _REQUIREMENT_NAME.match(line)
        if match and not line.lstrip().startswith(("#", "-")):
            names.add(re.sub(r"[-_.]+", "-", match.group(1)).lower())
    return names


def _disagreement(requirements: str, declared: list[str]) -> tuple[str, ...]:
    """A note when requirements.txt (used: it is what pip installs in the image) and pyproject.toml's
    ``[project] dependencies`` name different packages."""
    used = requirement_names(requirements)
    other = {n for n in requirement_names("\n".join(declared)) if n not in TEST_ONLY_PACKAGES
             and not n.startswith("pytest-")}
    if used == other:
        return ()
    only_pyproject, only_requirements = sorted(other - used), sorted(used - other)
    detail = "; ".join(part for part in (
        f"only pyproject.toml lists {', '.join(only_pyproject)}" if only_pyproject else "",
        f"only requirements.txt lists {', '.join(only_requirements)}" if only_requirements else "") if part)
    return (f"requirements.txt and pyproject.toml [project] dependencies disagree ({detail}): the Space installs "
            "requirements.txt (pip's file, the one a Dockerfile installs); to use pyproject.toml's list instead, "
            "delete requirements.txt or add the missing packages to it",)


def _inline(root: Path, rel: str, problems: list[str], constraints: list[str], seen: tuple[str, ...],
            check: Check | None = None) -> list[str]:
    """The lines of requirement file ``rel`` with its -r includes inlined and its -c files gathered."""
    if rel in seen:
        problems.append(f"{seen[-1]} includes {rel}, which includes it back; remove the cycle")
        return []
    path = root / rel
    real = Path(os.path.realpath(path))
    if not real.is_relative_to(root):
        problems.append(f"{rel} is outside backendDir ({real}); copy it into the backend")
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.append(f"{seen[-1] if seen else rel} includes {rel}, which does not exist")
        return []
    except UnicodeDecodeError:
        problems.append(f"{rel} is not UTF-8 text")
        return []
    for number in requirement_credentials(text):
        problems.append(
            f"{rel} line {number} carries credentials in a URL (user:password@ or TOKEN@); remove them: the file "
            "is public on the Space (a private index needs its token at build time from a Space secret, never "
            "in the file)")
    out: list[str] = []
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        include = _INCLUDE.match(line)
        if _EDITABLE_SELF.match(line):
            problems.append(f"{rel} installs the backend itself ({line.strip()}); list its dependencies instead")
            continue
        if not include:
            if _INCLUDE_OPTION.match(line):
                problems.append(f"{rel} line {number} ({line.strip()!r}) is not an include pip reads; write it as "
                                f"one of {_INCLUDE_FORMS}")
                continue
            out.append(line if line.endswith("\n") else line + "\n")
            continue
        option, name = include["short"] or include["long"], include["path"]
        target = os.path.normpath(os.path.join(os.path.dirname(rel), name)).replace(os.sep, "/")
        if target.startswith("../") or os.path.isabs(name):
            problems.append(f"{rel} includes {name!r}, outside backendDir; copy it into the backend")
            continue
        why = check(target) if check is not None else None
        if why:
            problems.append(f"{rel} line {number} includes {target} ({option}), which is {why}; an included file "
                            "is copied into the uploaded requirements, so it may not be one that is never "
                            "uploaded: include a plain requirements file instead")
            continue
        included = _inline(root, target, problems, constraints, (*seen, rel), check)
        if option in ("-c", "--constraint"):
            constraints.append(f"# from {target}\n")
            constraints.extend(included)
        else:
            out.append(f"# from {target}\n")
            out.extend(included)
    return out


def strip_test_requirements(text: str) -> str:
    """Drop test-only packages from a requirements file, keeping every other line as written.

    Raises:
        BundleError: the text still holds an include option (``-r`` / ``-c``): `read_dependencies` inlines
            includes first, so this is text that did not come through it.
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
            raise BundleError(
                f"requirements.txt still includes {include.group(3) or 'another file'!r} with {include.group(1)} "
                "after its includes were inlined; write the include as one of " + _INCLUDE_FORMS)
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
