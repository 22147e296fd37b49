"""The import rule of ARCHITECTURE.md ("Layout and the import rule"), enforced on every import statement.

Each module of ``components/`` sits on a floor; it may import modules of its own floor and the floors
below, never above, and the two floor-3 packages (``bundle`` and ``hub``) never import each other.
``localhub/`` (the Hub emulator) and ``components/`` never import each other, so the emulator cannot
borrow the product's rules and agree with it by construction.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COMPONENTS = ROOT / "components"

FLOORS = {"foundation": 0, "rules": 1, "config": 2, "bundle": 3, "hub": 3, "resources": 4}
FOUNDATION = {"errors", "retry"}


def area_of(module: str) -> str | None:
    """The area (package or floor name) of a dotted ``components`` module, None outside components."""
    parts = module.split(".")
    if parts[0] != "components":
        return None
    if len(parts) == 1:
        return "foundation"
    if parts[1] in ("rules", "config", "bundle", "hub"):
        return parts[1]
    return "foundation" if parts[1] in FOUNDATION else "resources"


def module_name(path: Path, root: Path) -> str:
    return ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every module an import statement in the file names (function-level imports included)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module in ("components", "components.rules", "components.config", "components.bundle",
                               "components.hub"):  # `from components.hub import client` names a module
                found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, node.module))
    return found


def violations(path: Path, root: Path = ROOT) -> list[str]:
    here = area_of(module_name(path, root))
    assert here is not None
    problems = []
    for line, target in imported_modules(path):
        if target.split(".")[0] == "localhub":
            problems.append(f"{path.relative_to(root)}:{line} imports {target} (the emulator)")
            continue
        there = area_of(target)
        if there is None or there == here:
            continue
        if FLOORS[there] > FLOORS[here] or (FLOORS[there] == FLOORS[here] and there != here):
            problems.append(f"{path.relative_to(root)}:{line} ({here}) imports {target} ({there})")
    return problems


def component_files() -> list[Path]:
    return sorted(COMPONENTS.rglob("*.py"))


def test_every_components_module_imports_only_its_floor_and_below() -> None:
    problems = [problem for path in component_files() for problem in violations(path)]
    assert problems == [], "\n".join(problems)


def test_localhub_never_imports_the_product() -> None:
    offenders = [f"{path.relative_to(ROOT)}:{line} imports {target}"
                 for path in sorted((ROOT / "localhub").rglob("*.py"))
                 for line, target in imported_modules(path) if target.split(".")[0] == "components"]
    assert offenders == []


def test_every_components_file_belongs_to_a_declared_area() -> None:
    packages = {path.parent.name for path in COMPONENTS.glob("*/__init__.py")}
    assert packages == {"rules", "config", "bundle", "hub"}, "a new package needs a floor in ARCHITECTURE.md"


@pytest.mark.parametrize(("importer", "imported", "allowed"), [
    ("components.rules.credentials", "components.config.managed", False),
    ("components.hub.client", "components.bundle.build", False),
    ("components.bundle.build", "components.hub.client", False),
    ("components.config.model", "components.rules.names", True),
    ("components.space", "components.hub.client", True),
    ("components.errors", "components.space", False),
])
def test_the_rule_itself_refuses_upward_and_sideways_imports(importer: str, imported: str, allowed: bool,
                                                             tmp_path: Path) -> None:
    fake = tmp_path / Path(*importer.split(".")).with_suffix(".py")
    fake.parent.mkdir(parents=True)
    fake.write_text(f"import {imported}\n", encoding="utf-8")
    assert (violations(fake, tmp_path) == []) is allowed
