"""Where a backend's FastAPI app is (its entry point). Pure; reads only the backend.

Entry point, first found: ``app/main.py`` (``app.main:app``, the seed's layout), ``main.py``
(``main:app``), ``app.py`` (``app:app``), ``src/main.py`` (``src.main:app``, so its relative imports
work; ``main:app`` with ``--app-dir src`` when it imports its siblings by absolute name),
``src/<package>/main.py`` (``<package>.main:app``, served with ``--app-dir src``, or
``src.<package>.main:app`` when the code imports ``src.``); or the ``appModule`` config key
(``module:attribute``).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from components.errors import BundleError

_MODULE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


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
