"""What the app needs from its environment, found before the build: read with ``ast``, never imported.

A name is *required* when the code cannot start without it, in the shapes the runbook's users write:
- a field without a default in a pydantic ``BaseSettings`` class (``env_prefix``, ``alias`` and
  ``validation_alias`` honoured; pydantic-settings matches names case-insensitively by default);
- ``os.environ["X"]`` (not inside a ``try`` that catches ``KeyError``, nor guarded by ``"X" in os.environ``);
- ``os.getenv("X")`` / ``os.environ.get("X")`` without a default whose result is tested by an ``if`` that
  raises (``if not key: raise RuntimeError(...)``).
Names written in the backend's environment files (``.env``, ``.env.example``, ...: components/rules/credentials.py
``is_environment_file``; those files are never uploaded) are read too, names only: values are never kept.

These are warnings, never errors (README "Bring your own backend"): the reader sees code, not the running
app, and a name may have a fallback it cannot see (a Dockerfile ``ENV``, a default set elsewhere); preview
must not block a deploy on a guess. The build would fail on a missing name anyway; preview says it first.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from components.bundle.python_ast import keyword_value, parse, string_value
from components.config import MANAGED_SECRETS, MANAGED_VARIABLES
from components.rules.credentials import is_environment_file
from components.rules.names import ENV_NAME

#: Variables the Hub sets in every Space's environment (hub-docs ``spaces-overview.md``, "Helper environment
#: variables"; ``SPACE_HOST``/``SPACE_CREATOR_USER_ID``: shared/reference hub-2026.md) and Docker's own.
HUB_VARIABLES = frozenset({"SPACE_ID", "SPACE_HOST", "SPACE_AUTHOR_NAME", "SPACE_REPO_NAME", "SPACE_TITLE",
                           "SPACE_CREATOR_USER_ID", "SYSTEM", "HOME", "PATH", "HOSTNAME"})
#: A Python file is parsed only when it holds one of these (components/bundle/build.py leaves a file holding
#: none of any reader's words unread).
WORDS = (b"environ", b"getenv", b"Settings")
_PRUNE = frozenset({".git", "node_modules", ".venv", "venv", "env", "__pycache__", ".tox", ".nox"})


@dataclass(frozen=True, order=True)
class Need:
    """One place that needs an environment variable."""

    name: str
    file: str
    line: int
    how: str
    """How it is needed, for the message: ``a pydantic settings field without a default``, ..."""
    case_sensitive: bool = True


def required_names(files: Mapping[str, bytes]) -> list[Need]:
    """The environment names the Python files in ``files`` cannot start without, sorted."""
    trees: dict[str, ast.Module] = {}
    for rel, data in files.items():
        if rel.endswith(".py") and any(word in data for word in WORDS):
            tree = parse(data)
            if tree is not None:
                trees[rel] = tree
    classes = settings_classes(list(trees.values()))
    needs: list[Need] = []
    for rel, tree in sorted(trees.items()):
        needs += _pydantic_needs(rel, tree, classes)
        if b"environ" in files[rel] or b"getenv" in files[rel]:
            needs += _environ_needs(rel, tree, list(ast.walk(tree)))
    return sorted(set(needs))


def template_names(root: Path) -> list[Need]:
    """The names written in the backend's environment files (``NAME=...`` / ``export NAME=...``), sorted."""
    needs = []
    for rel in _environment_files(root):
        try:
            text = (root / rel).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            line = line.strip().removeprefix("export ").strip()
            name = line.partition("=")[0].strip()
            if "=" in line and not line.startswith("#") and ENV_NAME.fullmatch(name):
                needs.append(Need(name, rel, number, f"named in {os.path.basename(rel)}"))
    return sorted(needs)


def missing(needs: Collection[Need], provided: Collection[str]) -> dict[str, list[Need]]:
    """name -> the places needing it, for the names the stack (and the Hub, and the image) does not set."""
    exact = set(provided) | HUB_VARIABLES
    folded = {name.upper() for name in exact}
    result: dict[str, list[Need]] = {}
    for need in sorted(needs, key=lambda n: (n.name, n.how.startswith("named in "), n.file, n.line)):
        if need.name in exact or (not need.case_sensitive and need.name.upper() in folded):
            continue
        result.setdefault(need.name, []).append(need)
    return result


def set_command(name: str) -> str:
    """The command that makes the stack set ``name``: the managed key, else an extraSecrets entry (a secret,
    since a name the app needs is often a credential and secrets are never shown)."""
    if name == "PORT":
        return "the Hub sets no PORT: add `ENV PORT=<port>` to the Dockerfile (and `pulumi config set appPort <port>`)"
    key = MANAGED_SECRETS.get(name) or MANAGED_VARIABLES.get(name)
    if key:
        return f"pulumi config set {'--secret ' if name in MANAGED_SECRETS else ''}{key} <value>"
    return f"pulumi config set --secret --path 'extraSecrets.{name}' <value>"


def warning(name: str, places: list[Need]) -> str:
    """One preview warning for a name the stack does not set: every place, and the command."""
    where = "; ".join(f"{p.file} line {p.line} ({p.how})" for p in places[:3])
    more = f" and {len(places) - 3} more" if len(places) > 3 else ""
    command = set_command(name)
    return (f"{name} is read at {where}{more}, but this stack sets no Space secret or variable of that name: "
            + (command if command.startswith("the Hub") else f"`{command}`"))


# --- pydantic ------------------------------------------------------------------------------------

def _base_names(node: ast.ClassDef) -> list[str]:
    return [b.id if isinstance(b, ast.Name) else b.attr if isinstance(b, ast.Attribute) else "" for b in node.bases]


def class_defs(trees: Collection[ast.Module]) -> Iterator[ast.ClassDef]:
    """Classes at module level, inside module-level ``if``/``try`` blocks and nested in classes."""
    pending: list[ast.stmt] = [node for tree in trees for node in tree.body]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.ClassDef):
            yield node
            pending.extend(node.body)
        elif isinstance(node, ast.If | ast.Try):
            pending.extend([*node.body, *node.orelse, *getattr(node, "finalbody", [])])


def settings_classes(trees: Collection[ast.Module]) -> set[str]:
    """Names of classes deriving (directly or through classes of these files) from BaseSettings."""
    classes = {n.name: _base_names(n) for n in class_defs(trees)}
    found = {"BaseSettings"}
    while True:
        more = {name for name, bases in classes.items() if name not in found and found & set(bases)}
        if not more:
            return found - {"BaseSettings"}
        found |= more


def env_prefix(cls: ast.ClassDef) -> str:
    for node in cls.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "model_config"
                                                for t in node.targets):
            value = node.value
            if isinstance(value, ast.Call):
                return string_value(keyword_value(value, "env_prefix")) or ""
            if isinstance(value, ast.Dict):
                for key, entry in zip(value.keys, value.values, strict=True):
                    if string_value(key) == "env_prefix":
                        return string_value(entry) or ""
        if isinstance(node, ast.ClassDef) and node.name == "Config":
            for item in node.body:
                if isinstance(item, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "env_prefix"
                                                        for t in item.targets):
                    return string_value(item.value) or ""
    return ""


def field_default(value: ast.AST | None) -> tuple[bool, str | None]:
    """(no default, alias) of a field's assigned value."""
    if value is None:
        return True, None
    if isinstance(value, ast.Call) and (value.func.id if isinstance(value.func, ast.Name) else
                                        value.func.attr if isinstance(value.func, ast.Attribute) else "") == "Field":
        alias = string_value(keyword_value(value, "validation_alias")) or string_value(keyword_value(value, "alias"))
        first = value.args[0] if value.args else keyword_value(value, "default")
        no_default = (first is None or (isinstance(first, ast.Constant) and first.value is Ellipsis)) \
            and keyword_value(value, "default_factory") is None
        return no_default, alias
    return False, None


def _pydantic_needs(rel: str, tree: ast.Module, classes: set[str]) -> Iterator[Need]:
    for cls in class_defs([tree]):
        if cls.name not in classes:
            continue
        prefix = env_prefix(cls)
        for node in cls.body:
            if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
                continue
            field_name = node.target.id
            annotation = ast.unparse(node.annotation)
            if field_name.startswith("_") or field_name == "model_config" or "ClassVar" in annotation:
                continue
            required, alias = field_default(node.value)
            if required:
                yield Need((alias or f"{prefix}{field_name}").upper(), rel, node.lineno,
                           f"a field of {cls.name}, a pydantic settings class, without a default", False)


# --- os.environ / os.getenv ----------------------------------------------------------------------

def _is_environ(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ" and isinstance(node.value, ast.Name)
            and node.value.id == "os") or (isinstance(node, ast.Name) and node.id == "environ")


def _getenv_name(node: ast.AST) -> str | None:
    """NAME of ``os.getenv("NAME")`` / ``os.environ.get("NAME")`` called without a default (or None)."""
    if not isinstance(node, ast.Call) or not node.args:
        return None
    func = node.func
    is_getenv = (isinstance(func, ast.Attribute) and func.attr == "getenv") or (
        isinstance(func, ast.Name) and func.id == "getenv")
    is_get = isinstance(func, ast.Attribute) and func.attr == "get" and _is_environ(func.value)
    if not (is_getenv or is_get):
        return None
    default = node.args[1] if len(node.args) > 1 else keyword_value(node, "default")
    if default is not None and not (isinstance(default, ast.Constant) and default.value is None):
        return None
    return string_value(node.args[0])


def _raises(body: list[ast.stmt]) -> bool:
    for statement in body:
        if isinstance(statement, ast.Raise):
            return True
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
            func = statement.value.func
            if (isinstance(func, ast.Attribute) and func.attr == "exit") or (isinstance(func, ast.Name) and \
                    func.id == "exit"):
                return True
    return False


def _environ_needs(rel: str, tree: ast.Module, nodes: list[ast.AST]) -> Iterator[Need]:
    """``nodes``: every node of ``tree`` (one walk, shared with the other readers)."""
    guarded = {string_value(n.left) for n in nodes if isinstance(n, ast.Compare) and len(n.ops) == 1
               and isinstance(n.ops[0], ast.In | ast.NotIn) and _is_environ(n.comparators[0])}
    protected: set[int] = set()
    for node in nodes:
        if isinstance(node, ast.Try) and any(h.type is None or "KeyError" in ast.unparse(h.type)
                                             or "Exception" in ast.unparse(h.type) for h in node.handlers):
            protected |= {id(n) for statement in node.body for n in ast.walk(statement)}
    variables: dict[str, tuple[str, int]] = {}  # local name -> (environment name, line)
    checks: list[ast.If] = []
    for node in nodes:
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and _is_environ(node.value):
            name = string_value(node.slice)
            if name and name not in guarded and id(node) not in protected:
                yield Need(name, rel, node.lineno, f'os.environ["{name}"]')
        elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            name = _getenv_name(node.value)
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if name and isinstance(target, ast.Name | ast.Attribute):
                    variables[ast.unparse(target)] = (name, node.lineno)
        elif isinstance(node, ast.If) and _raises(node.body):
            checks.append(node)
    for check in checks:
        for part in ast.walk(check.test):
            name = _getenv_name(part)
            if name:
                yield Need(name, rel, check.lineno, f'os.getenv("{name}") checked and raised on')
            elif isinstance(part, ast.Name | ast.Attribute) and ast.unparse(part) in variables:
                env_name, line = variables[ast.unparse(part)]
                yield Need(env_name, rel, line, f'os.getenv("{env_name}") checked and raised on')


def _environment_files(root: Path) -> list[str]:
    found = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs
                         if d not in _PRUNE and not os.path.exists(os.path.join(folder, d, "pyvenv.cfg")))
        rel_dir = os.path.relpath(folder, root).replace(os.sep, "/")  # once per folder, not per file (5,000: 0.14 s)
        for name in sorted(names):
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            if is_environment_file(rel) and os.path.isfile(os.path.join(folder, name)):
                found.append(rel)
    return found
