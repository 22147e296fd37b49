"""The FastAPI app's real routes, read from its code with ``ast`` (nothing is imported or run).

Found: ``@<app or router>.get/post/put/patch/delete/api_route("/path")`` decorators, ``APIRouter(prefix=)``,
and ``<app or router>.include_router(<router>, prefix=)`` with the router named locally or imported
(``from app.api import chat`` + ``chat.router``, ``from app import api`` + ``api.chat.router``, ``from
app.api.chat import router``), followed across modules. Apps and routers built in factory functions
(``def create_app(): app = FastAPI(); ...; return app`` then ``app = create_app()``, here or imported) are
followed into the function. Every ``FastAPI()`` object of the entry module, and its app attribute, is a
root. Routes with ``include_in_schema=False`` are left out.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass, field

from components.bundle.python_ast import keyword_value, parse, string_value

METHODS = ("get", "post", "put", "patch", "delete")
#: A module other than the entry point is parsed only when it holds one of these (it may define an app, a
#: router or its routes); components/bundle/build.py leaves a file holding none of any reader's words unread.
WORDS = (b"fastapi", b"FastAPI", b"APIRouter", b"router")


@dataclass(frozen=True, order=True)
class Route:
    """One route of the app."""

    path: str
    method: str
    summary: str


@dataclass
class _Module:
    routers: dict[str, str]  # variable -> own prefix (APIRouter(prefix=...)); FastAPI objects have ""
    apps: set[str]
    routes: list[tuple[str, str, str, str]]  # (variable, METHOD, path, summary)
    includes: list[tuple[str, tuple[str, str], str]]  # (parent variable, (module, variable), prefix)
    factories: dict[str, str] = field(default_factory=dict)  # function -> the app/router variable it returns
    aliases: dict[str, tuple[str, str]] = field(default_factory=dict)  # variable -> (module, factory function)


def module_name(rel: str, app_dir: str = "") -> str | None:
    """Dotted module name of the file ``rel`` (posix path inside the backend), or None."""
    if not rel.endswith(".py"):
        return None
    if app_dir:
        if not rel.startswith(f"{app_dir}/"):
            return None
        rel = rel[len(app_dir) + 1:]
    parts = rel[:-3].split("/")
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts) if parts and all(p.isidentifier() for p in parts) else None


def find_routes(files: Mapping[str, bytes], entry_module: str, app_dir: str = "",
                attribute: str = "app") -> list[Route]:
    """The routes reachable from the FastAPI objects of ``entry_module`` (and its ``attribute``), sorted by
    path then method."""
    modules: dict[str, _Module] = {}
    for rel, data in files.items():
        name = module_name(rel, app_dir)
        if name is None or (name != entry_module and not any(word in data for word in WORDS)):
            continue  # cheap: only modules that can define an app, a router or its routes are parsed
        tree = parse(data)
        if tree is None:
            continue
        modules[name] = _read_module(tree, name, rel.endswith("__init__.py"))
    entry = modules.get(entry_module)
    if entry is None:
        return []
    found: set[Route] = set()

    def collect(module: str, variable: str, prefix: str, depth: int) -> None:
        info = modules.get(module)
        if info is None or depth > 20:
            return
        if variable.startswith("()"):  # include_router(build_router()): the router the function returns
            built = info.factories.get(variable[2:])
            if built is not None:
                collect(module, built, prefix, depth + 1)
            return
        prefix = prefix + info.routers.get(variable, "")
        factory = info.aliases.get(variable)
        if factory is not None and factory[0] in modules:
            built = modules[factory[0]].factories.get(factory[1])
            if built is not None:
                collect(factory[0], built, prefix, depth + 1)
        for var, method, path, summary in info.routes:
            if var == variable:
                found.add(Route(prefix + path or "/", method, summary))
        for parent, (child_module, child_var), child_prefix in info.includes:
            if parent == variable:
                collect(child_module, child_var, prefix + child_prefix, depth + 1)

    for app in sorted(entry.apps | {attribute}):
        collect(entry_module, app, "", 0)
    return sorted(found)


def _read_module(tree: ast.Module, name: str, is_package: bool) -> _Module:
    info = _Module({}, set(), [], [])
    imported: dict[str, tuple[str, str | None]] = {}  # local name -> (module, attribute or None)
    package = name if is_package else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: max(0, len(package.split(".")) - node.level + 1)] if package else []
                base = ".".join([*parent, *([base] if base else [])])
            for alias in node.names:
                imported[alias.asname or alias.name] = (base, alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    imported[alias.asname] = (alias.name, None)
                else:  # `import app.api.chat`: `app.api.chat.router` starts at the top package
                    top = alias.name.split(".")[0]
                    imported.setdefault(top, (top, None))
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            callee = node.value.func
            callee_name = callee.id if isinstance(callee, ast.Name) else callee.attr if isinstance(
                callee, ast.Attribute) else ""
            for target in node.targets:
                if not isinstance(target, ast.Name):
                    continue
                if callee_name == "APIRouter":
                    info.routers[target.id] = string_value(keyword_value(node.value, "prefix")) or ""
                elif callee_name == "FastAPI":
                    info.apps.add(target.id)
                else:
                    made_by = _resolve(callee, name, imported)
                    if made_by is not None:
                        info.aliases[target.id] = made_by
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            returned = [r.value.id for r in ast.walk(node)
                        if isinstance(r, ast.Return) and isinstance(r.value, ast.Name)]
            if returned:
                info.factories[node.name] = returned[-1]
            for decorator in node.decorator_list:
                route = _route(decorator, node)
                if route:
                    info.routes.append(route)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            argument = node.args[0] if node.args else keyword_value(node, "router")
            if node.func.attr == "include_router" and isinstance(owner, ast.Name) and argument is not None:
                child = _resolve(argument, name, imported)
                if isinstance(argument, ast.Call):
                    made_by = _resolve(argument.func, name, imported)
                    child = (made_by[0], f"(){made_by[1]}") if made_by else None
                if child:
                    info.includes.append((owner.id, child, string_value(keyword_value(node, "prefix")) or ""))
    return info


def _route(decorator: ast.AST, function: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[str, str, str, str] | None:
    if not (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)
            and isinstance(decorator.func.value, ast.Name)):
        return None
    verb = decorator.func.attr
    path = string_value(decorator.args[0]) if decorator.args else string_value(keyword_value(decorator, "path"))
    if path is None or verb not in (*METHODS, "api_route"):
        return None
    schema = keyword_value(decorator, "include_in_schema")
    if isinstance(schema, ast.Constant) and schema.value is False:
        return None
    method = verb.upper()
    if verb == "api_route":
        methods = keyword_value(decorator, "methods")
        names = [string_value(e) for e in methods.elts] if isinstance(methods, ast.List | ast.Tuple) else []
        method = ", ".join(sorted(n.upper() for n in names if n)) or "GET"
    docstring = (ast.get_docstring(function) or "").strip().split("\n")[0]
    summary = string_value(keyword_value(decorator, "summary")) or docstring
    return decorator.func.value.id, method, path, summary or function.name.replace("_", " ").capitalize()


def _resolve(node: ast.AST, module: str, imported: Mapping[str, tuple[str, str | None]]) -> tuple[str, str] | None:
    """(module, variable) of a router or function expression: `router`, `chat.router`, `api.chat.router`,
    imported or local."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.insert(0, node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    source = imported.get(node.id)
    if not parts:
        if source is None:
            return module, node.id
        base, attribute = source
        return (base, attribute) if attribute else None
    if source is None:
        return None
    base, attribute = source
    path = [p for p in (base, attribute) if p] + parts[:-1]
    return ".".join(path), parts[-1]
