"""Readers of the keys about files: the backend and frontend directories, the frontend's client file, the
app's entry point, what is uploaded (include, exclude, allowSecretsIn, maxFileSizeMB) and Debian packages."""

from __future__ import annotations

import re
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

from components.config.choices import MAX_FILE_MB, MAX_FILE_MB_CEILING
from components.config.reader import Reader, Values

if TYPE_CHECKING:
    from components.config.keys import Key

_APP_MODULE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*")
_GLOB = re.compile(r"[^\s\\](.*\S)?")
_DEBIAN_PACKAGE = re.compile(r"[a-z0-9][a-z0-9+.-]+(=[A-Za-z0-9.+~:-]+)?")
#: Key -> (item pattern, example) of the string-list keys.
_LISTS = {"include": (_GLOB, "'static/**'"), "exclude": (_GLOB, "'data/raw/'"),
          "systemPackages": (_DEBIAN_PACKAGE, "libpq-dev")}


def directory(r: Reader, key: str, *, required: bool, missing_ok: bool = False) -> tuple[str | None, Path | None]:
    """A directory relative to the project: as configured, and resolved (None when it does not exist)."""
    raw = r.required(key) if required else r.optional(key)
    if raw == "" and required:
        r.fail(key, f"must not be empty; set it with `pulumi config set {key} <dir>`")
    if not raw:
        return None, None
    path = (r.project_dir / raw).resolve()
    if not path.is_dir() and missing_ok:
        return raw, None
    if not path.is_dir():
        r.fail(key, f"directory {str(path)!r} does not exist; fix `pulumi config set {key} <dir>`")
        return raw, None
    return raw, path


def backend(r: Reader, key: Key, v: Values) -> None:
    """`backendDir`: a directory with an entry point and requirements.txt or pyproject.toml."""
    raw, path = directory(r, key.name, required=True)
    if path is not None:
        from components.rules.entry_point import LOOKED_FOR, has_entry_point

        missing = [] if has_entry_point(path, r.optional("appModule")) else [f"entry point ({LOOKED_FOR})"]
        if not any((path / p).is_file() for p in ("requirements.txt", "pyproject.toml")):
            missing.append("requirements.txt or pyproject.toml")
        if missing:
            r.fail(key.name, f"{str(path)!r} has no {' and no '.join(missing)}; point backendDir at the FastAPI "
                   "backend, or set appModule to its app (module:attribute)")
    v["backend_dir"], v["backend_path"] = raw, path


def frontend_optional(r: Reader, key: Key, v: Values) -> None:
    """`frontendOptional`: a machine without frontendDir skips the patch."""
    v[key.field] = bool(r.boolean(key.name))


def frontend_dir(r: Reader, key: Key, v: Values) -> None:
    """`frontendDir`: empty, or a directory (which may be missing with frontendOptional)."""
    v["frontend_dir"], v["frontend_path"] = directory(r, key.name, required=False,
                                                      missing_ok=v.get("frontend_optional", False))


def client_file(r: Reader, key: Key, v: Values) -> None:
    """`frontendClientFile`: a relative path that stays inside frontendDir, links resolved."""
    value = r.required(key.name)
    v[key.field] = None if value is None else _client_file(r, value, v.get("frontend_path"))


def _client_file(r: Reader, value: str, frontend_path: Path | None) -> str | None:
    fix = "set it relative to frontendDir, e.g. `pulumi config set frontendClientFile src/services/api.ts`"
    if PurePath(value).is_absolute() or value.startswith(("/", "\\")) or ".." in PurePath(value).parts \
            or ".." in value.replace("\\", "/").split("/"):
        r.fail("frontendClientFile", f"{value!r} must be a path inside frontendDir (no absolute path, no "
               f"'..'); {fix}")
        return None
    if frontend_path is None:
        return value
    target = (frontend_path / value).resolve()
    if not target.is_relative_to(frontend_path.resolve()):
        r.fail("frontendClientFile", f"{value!r} is a link out of frontendDir (to {str(target)!r}); the "
               f"patch may only write inside frontendDir: {fix}")
        return None
    if not target.is_file():
        r.fail("frontendClientFile", f"{value!r} does not exist in frontendDir")
        return None
    return value


def path_list(r: Reader, key: Key, v: Values) -> None:
    """A list of relative posix paths inside the Space (e.g. ``allowSecretsIn``), sorted, de-duplicated."""
    how = f"pulumi config set --plaintext --path '{key.name}[0]' app/path/to/file.py"
    data = r.json_strings(key.name, how, " of file paths")
    v[key.field] = tuple(sorted(set(data or ())))
    for item in data or ():
        if not item or item.startswith("/") or "\\" in item or ".." in item.split("/"):
            r.fail(key.name, f"{item!r} must be a path relative to backendDir, like app/core/config.py")
            v[key.field] = ()
            return


def max_file_mb(r: Reader, key: Key, v: Values) -> None:
    """`maxFileSizeMB`: a whole number of MB between 1 and MAX_FILE_MB_CEILING."""
    value = r.parse(key.name, int, "a whole number of megabytes")
    if value is not None and not 1 <= value <= MAX_FILE_MB_CEILING:
        r.fail(key.name, f"must be between 1 and {MAX_FILE_MB_CEILING} (MB); got {value}")
    v[key.field] = value or MAX_FILE_MB


def app_module(r: Reader, key: Key, v: Values) -> None:
    """`appModule`: empty (detected), or `module:attribute`."""
    value = r.optional(key.name)
    if value is not None and not _APP_MODULE.fullmatch(value):
        r.fail(key.name, f"{value!r} must be `module:attribute`, e.g. `pulumi config set appModule "
               "server.api:app`")
        value = None
    v[key.field] = value


def string_list(r: Reader, key: Key, v: Values) -> None:
    """`include`, `exclude`, `systemPackages`: lists whose items match the key's pattern."""
    pattern, example = _LISTS[key.name]
    v[key.field] = r.string_list(key.name, pattern, example)
