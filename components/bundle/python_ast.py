"""The backend's Python files as syntax trees, for the readers that look at the app's code without importing
it (routes.py, app_env.py, cors_source.py): one parse per file content, shared by all of them, and the small
node helpers they have in common."""

from __future__ import annotations

import ast
from functools import cache


@cache
def parse(data: bytes) -> ast.Module | None:
    """``data`` parsed as a module, or None when it is not valid Python. Cached by content, so each reader
    of one program run gets the same tree (the trees are only read, never changed)."""
    try:
        return ast.parse(data)
    except (SyntaxError, ValueError):
        return None


def string_value(node: ast.AST | None) -> str | None:
    """The text of a string literal, else None."""
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def keyword_value(call: ast.Call, name: str) -> ast.AST | None:
    """The value of ``call``'s keyword argument ``name``, else None."""
    return next((k.value for k in call.keywords if k.arg == name), None)
