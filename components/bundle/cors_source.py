"""Where the app's CORS origins come from, read with ``ast`` (never imported): so preview can say when the
app does not read the variable the stack writes (``corsOriginsVariable``, default ALLOWED_ORIGINS).

Found: ``<app>.add_middleware(CORSMiddleware, allow_origins=...)`` and ``Middleware(CORSMiddleware,
allow_origins=...)``. The ``allow_origins`` expression is followed through names assigned in any module
(``origins = os.getenv("CORS_ORIGINS", "").split(",")``, ``from .config import ORIGINS``) and settings
attributes (``settings.cors_origins`` -> the pydantic field's environment name, components/bundle/app_env.py's
rules): it is a list of literals (hard-coded), reads one or more environment variables, or is unknown.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass

from components.bundle.app_env import class_defs, env_prefix, field_default, settings_classes
from components.bundle.python_ast import parse, string_value

_ENV_CALLS = ("getenv", "get")
#: A Python file is parsed only when it holds one of these: the middleware, its origins or a settings class
#: (components/bundle/build.py leaves a file holding none of any reader's words unread).
WORDS = (b"CORSMiddleware", b"rigin", b"RIGIN", b"Settings")


@dataclass(frozen=True)
class CorsSource:
    """One CORSMiddleware of the app."""

    file: str
    line: int
    variables: tuple[str, ...] = ()
    """Environment variables the origins are read from."""
    origins: tuple[str, ...] | None = None
    """The origins written in the code, when they are hard-coded."""


def find_cors(files: Mapping[str, bytes]) -> list[CorsSource]:
    """Every CORSMiddleware of the Python files in ``files``, in file order."""
    if not any(b"CORSMiddleware" in data for rel, data in files.items() if rel.endswith(".py")):
        return []
    trees = {}
    for rel, data in files.items():  # only what can hold the middleware, its origins or a settings class
        if rel.endswith(".py") and any(word in data for word in WORDS):
            tree = parse(data)
            if tree is not None:
                trees[rel] = tree
    assignments: dict[str, ast.AST] = {}
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        assignments.setdefault(target.id, node.value)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
                assignments.setdefault(node.target.id, node.value)
    fields = _settings_fields(trees)
    found = []
    for rel, tree in sorted(trees.items()):
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args or _last_name(node.args[0]) != "CORSMiddleware":
                continue
            if _last_name(node.func) not in ("add_middleware", "Middleware"):
                continue
            origins = next((k.value for k in node.keywords if k.arg == "allow_origins"), None)
            if origins is None:
                continue
            variables, literal = _classify(origins, assignments, fields, 0)
            found.append(CorsSource(rel, node.lineno, tuple(dict.fromkeys(variables)),
                                    tuple(literal) if literal is not None and not variables else None))
    return found


def _last_name(node: ast.AST) -> str:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""


def _settings_fields(trees: Mapping[str, ast.Module]) -> dict[str, str]:
    """Field name -> environment name of every pydantic settings class."""
    classes = settings_classes(list(trees.values()))
    fields = {}
    for tree in trees.values():
        for cls in class_defs([tree]):
            if cls.name in classes:
                prefix = env_prefix(cls)
                for node in cls.body:
                    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                        _, alias = field_default(node.value)
                        fields[node.target.id] = (alias or f"{prefix}{node.target.id}").upper()
    return fields


def _classify(node: ast.AST, assignments: Mapping[str, ast.AST], fields: Mapping[str, str],
              depth: int) -> tuple[list[str], list[str] | None]:
    """(environment variables read, literal origins) of an ``allow_origins`` expression."""
    if depth > 6:
        return [], None
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        variables: list[str] = []
        literal: list[str] = []
        for element in node.elts:
            value = string_value(element)
            if value is not None:
                literal.append(value)
                continue
            more, more_literal = _classify(element, assignments, fields, depth + 1)
            variables += more
            literal += more_literal or []
        return variables, literal
    variables = []
    for part in ast.walk(node):
        if isinstance(part, ast.Call) and _last_name(part.func) in _ENV_CALLS and part.args:
            name = string_value(part.args[0])
            owner = _last_name(getattr(part.func, "value", part))
            if name and (_last_name(part.func) == "getenv" or owner == "environ"):
                variables.append(name)
        elif isinstance(part, ast.Subscript) and _last_name(part.value) == "environ" and string_value(part.slice):
            variables.append(str(string_value(part.slice)))
    if variables:
        return variables, None
    if isinstance(node, ast.Name) and node.id in assignments:
        return _classify(assignments[node.id], assignments, fields, depth + 1)
    if isinstance(node, ast.Attribute) and node.attr in fields:
        return [fields[node.attr]], None
    if isinstance(node, ast.Call):  # settings.origins.split(","), list(ORIGINS), ...
        for inner in (node.func, *node.args):
            target = inner.value if isinstance(inner, ast.Attribute) and inner is node.func else inner
            found, origins = _classify(target, assignments, fields, depth + 1)
            if found or origins is not None:
                return found, origins
    return [], None
