"""A backend's own Dockerfile, held to the rules the Hub really applies, and the app's port read from it.

What the Hub does with a Docker Space (hub-docs ``docs/hub/spaces-sdks-docker.md`` and
``docs/hub/spaces-config-reference.md``):

- it builds **any** Dockerfile and runs the container as **UID 1000** whatever its ``USER`` line says
  ("Permissions": "The container runs with user ID 1000"); files the image leaves owned by root stay
  readable, only writes to them fail at run time;
- it routes requests to the README card's ``app_port`` (default 7860); ``EXPOSE`` plays no part.

So only what certainly breaks on Spaces is a problem (each naming its line and a fix): no ``FROM``; an app
that listens on a loopback address only (``--host 127.0.0.1``, or uvicorn's default when no host is
given); a port the product can neither read nor set (``--port $PORT`` with ``PORT`` set by nobody: the
Hub does not document setting it); a port read for certain that contradicts config ``appPort``.
Running as root, ``COPY``/``ADD`` without ``--chown`` and a recursive ``chown`` are warnings: what may fail
under UID 1000 and the fix. A later ``RUN chown -R <uid-1000 user> PATH`` covers the copies into PATH.

The port (``Report.port``) is read from the final stage's command: ``--port N`` / ``--bind HOST:N``
(``$VAR`` resolved from ``ENV``/``ARG``, ``${VAR:-N}`` from its default), a server's own default
(uvicorn, gunicorn, hypercorn, ``fastapi run``: 8000), or, for ``python script.py`` / ``python -m
module``, the ``uvicorn.run(..., port=...)`` call in that file (read with ``ast``, never imported); else a
single ``EXPOSE N``. Only the final build stage counts.
"""

from __future__ import annotations

import ast
import contextlib
import json
import posixpath
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_APP_PORT = 7860
APP_PORT = DEFAULT_APP_PORT  # kept for callers of the old name
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")
PORT_OPTIONS = ("--port",)  # uvicorn, hypercorn, fastapi; gunicorn's -p is its pid file
HOST_OPTIONS = ("--host",)
BIND_OPTIONS = ("--bind", "-b")  # gunicorn, hypercorn
#: Servers whose default host is loopback and default port 8000, and the ENV names they also read.
SERVERS = {"uvicorn": ("UVICORN_HOST", "UVICORN_PORT"), "gunicorn": ("", ""), "hypercorn": ("", "")}
_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")
_FIX_USER = ("add `RUN useradd -m -u 1000 user` and `USER user` before copying the code, and copy with "
             "`COPY --chown=user ...`")


def instructions(text: str) -> list[tuple[int, str, str]]:
    """(line number, INSTRUCTION, arguments) with continuation lines joined; comments dropped."""
    result: list[tuple[int, str, str]] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if not pending:
            start = number
        if line.endswith("\\"):
            pending.append(line[:-1])
            continue
        if line.startswith("#"):
            line = ""
        pending.append(line)
        joined = " ".join(part.strip() for part in pending if part.strip())
        pending = []
        keyword, _, args = joined.partition(" ")
        result.append((start, keyword.upper(), args.strip()))
    return result


@dataclass(frozen=True)
class Report:
    """What a backend's own Dockerfile means on Spaces."""

    problems: tuple[str, ...]
    """What certainly breaks on Spaces: preview fails with these."""
    warnings: tuple[str, ...]
    """What may fail at run time (UID 1000), and how to fix it."""
    port: int
    """The Space card's ``app_port``: config ``appPort``, else the port read, else 7860."""
    port_source: str
    """Where ``port`` comes from, for preview (``Dockerfile line 11: --port 8000``)."""
    env: frozenset[str] = field(default_factory=frozenset)
    """Names the final stage sets with ``ENV`` (the app finds them in its environment)."""


@dataclass
class _Stage:
    env: dict[str, str] = field(default_factory=dict)
    workdir: str = "/"
    user: tuple[int, str] | None = None
    uid1000: set[str] = field(default_factory=lambda: {"1000"})
    copies: list[tuple[int, str, str, bool]] = field(default_factory=list)  # line, keyword, dest, chowned
    chowns: list[tuple[int, str]] = field(default_factory=list)  # line, path chowned to a UID 1000 owner
    recursive_chowns: list[int] = field(default_factory=list)
    command: tuple[int, list[str], bool] | None = None  # line, words, shell-expanded
    entrypoint: tuple[int, list[str], bool] | None = None
    exposed: list[tuple[int, int]] = field(default_factory=list)


def check_dockerfile(text: str, files: Mapping[str, bytes] | None = None, app_port: int | None = None) -> Report:
    """Check a backend's own Dockerfile (``files``: the backend, for the script a ``python`` CMD runs;
    ``app_port``: config ``appPort``, None when not set)."""
    steps = instructions(text)
    froms = [i for i, (_, keyword, _) in enumerate(steps) if keyword == "FROM"]
    if not froms:
        return Report(("Dockerfile has no FROM line; start it with a base image, e.g. `FROM python:3.11-slim`",),
                      (), app_port or DEFAULT_APP_PORT, "config appPort" if app_port else "the Hub's default")
    args = {a.partition("=")[0].strip(): a.partition("=")[2].strip().strip('"')
            for _, k, a in steps[:froms[-1]] if k == "ARG"}
    stage = _read_stage(steps[froms[-1] + 1:], args)
    problems: list[str] = []
    warnings = _uid_warnings(stage)
    read, where, certain = _command_port(stage, files or {}, problems)
    if read is None and len({p for _, p in stage.exposed}) == 1:
        line, exposed = stage.exposed[-1]
        read, where, certain = exposed, f"Dockerfile line {line}: EXPOSE {exposed}", False
    if app_port is not None:
        if certain and read is not None and read != app_port:
            problems.append(f"{where}: the app listens on port {read}, but appPort is {app_port}: the Hub sends "
                            f"requests to app_port only, so the Space would never answer; set `pulumi config set "
                            f"appPort {read}` or make the app listen on {app_port}")
        port, source = app_port, "config appPort"
    elif read is not None:
        port, source = read, where
    else:
        port, source = DEFAULT_APP_PORT, "the Hub's default"
        if stage.command or stage.entrypoint:
            line = (stage.command or stage.entrypoint or (0, [], False))[0]
            warnings.append(f"Dockerfile line {line}: the port the app listens on could not be read, so the Space "
                            f"card gets app_port {DEFAULT_APP_PORT} (the Hub's default); if the app listens on "
                            "another port, set it: `pulumi config set appPort <port>`")
    if not stage.command and not stage.entrypoint:
        warnings.append("Dockerfile has no CMD or ENTRYPOINT in its final stage, so the base image's own command "
                        f"runs: make sure it serves the app on 0.0.0.0:{port}, or add one, e.g. "
                        f"`CMD [\"uvicorn\", \"main:app\", \"--host\", \"0.0.0.0\", \"--port\", \"{port}\"]`")
    for line, exposed in stage.exposed:
        if exposed != port:
            warnings.append(f"Dockerfile line {line}: EXPOSE {exposed}, but app_port is {port}; Spaces ignore EXPOSE "
                            f"and send requests to app_port only (harmless unless the app listens on {exposed}: then "
                            f"`pulumi config set appPort {exposed}`)")
    return Report(tuple(problems), tuple(warnings), port, source, frozenset(stage.env))


def _expand(text: str, env: Mapping[str, str]) -> str:
    return _VAR.sub(lambda m: env.get(m.group(1) or m.group(3) or "", m.group(2) or ""), text)


def _words(args: str, env: Mapping[str, str]) -> tuple[list[str], bool]:
    """The command's words and whether a shell expands them (shell form, or ``sh -c`` in exec form)."""
    if args.startswith("["):
        try:
            words = json.loads(args)
        except ValueError:
            words = None
        if isinstance(words, list) and all(isinstance(w, str) for w in words):
            if len(words) == 3 and words[0].rsplit("/", 1)[-1] in ("sh", "bash") and words[1] == "-c":
                return _words(words[2], env)
            return words, False
    try:
        words = shlex.split(args)
    except ValueError:
        words = args.split()
    while words[:1] == ["exec"]:
        words = words[1:]
    return words, True


def _read_stage(steps: list[tuple[int, str, str]], args: Mapping[str, str]) -> _Stage:
    stage = _Stage()
    scope = dict(args)
    for number, keyword, rest in steps:
        env = {**scope, **stage.env}
        if keyword == "ARG":
            name, _, default = rest.partition("=")
            scope.setdefault(name.strip(), default.strip().strip('"'))
        elif keyword == "ENV":
            stage.env.update(_env_pairs(rest, env))
        elif keyword == "WORKDIR":
            stage.workdir = posixpath.normpath(posixpath.join(stage.workdir, _expand(rest, env).strip('"')))
        elif keyword == "USER":
            stage.user = (number, _expand(rest, env).split(":")[0].strip())
        elif keyword == "RUN":
            _read_run(stage, number, _expand(rest, env))
        elif keyword in ("COPY", "ADD"):
            try:
                words = shlex.split(rest)
            except ValueError:
                words = rest.split()
            flags = [w for w in words if w.startswith("--")]
            paths = [w for w in words if not w.startswith("--")]
            if rest.lstrip().startswith("[") or (paths and paths[0].startswith("[")):
                with contextlib.suppress(ValueError):
                    paths = json.loads(" ".join(paths))
            if paths:
                dest = posixpath.normpath(posixpath.join(stage.workdir, _expand(str(paths[-1]), env)))
                stage.copies.append((number, keyword, dest, any(f.startswith("--chown") for f in flags)))
        elif keyword == "EXPOSE":
            for item in rest.split():
                port = item.split("/")[0]
                if port.isdigit():
                    stage.exposed.append((number, int(port)))
        elif keyword in ("CMD", "ENTRYPOINT"):
            words, shell = _words(rest, env)
            setattr(stage, "command" if keyword == "CMD" else "entrypoint", (number, words, shell))
    return stage


def _env_pairs(rest: str, env: Mapping[str, str]) -> dict[str, str]:
    try:
        words = shlex.split(rest)
    except ValueError:
        return {}
    if words and "=" not in words[0]:
        return {words[0]: _expand(" ".join(words[1:]), env)}
    return {k: _expand(v, env) for k, _, v in (w.partition("=") for w in words) if k}


def _read_run(stage: _Stage, number: int, command: str) -> None:
    """Users created with UID 1000 and recursive chowns, from one RUN line."""
    for part in re.split(r"&&|\|\||;|\|", command):
        try:
            words = shlex.split(part)
        except ValueError:
            continue
        if not words:
            continue
        tool = words[0].rsplit("/", 1)[-1]
        if tool in ("useradd", "adduser"):
            uid = next((words[i + 1] for i, w in enumerate(words[:-1]) if w in ("-u", "--uid")), None)
            uid = uid or next((w.split("=", 1)[1] for w in words if w.startswith("--uid=")), None)
            names = [w for i, w in enumerate(words[1:], start=1) if not w.startswith("-")
                     and words[i - 1] not in ("-u", "--uid", "-g", "-G", "-d", "-s", "-c", "--home", "--shell",
                                              "--gid", "--gecos", "--ingroup")]
            if uid == "1000" and names:
                stage.uid1000.add(names[-1])
        elif tool == "chown" and any(w in ("-R", "--recursive") or re.fullmatch(r"-[a-zA-Z]*R[a-zA-Z]*", w)
                                     for w in words[1:]):
            stage.recursive_chowns.append(number)
            operands = [w for w in words[1:] if not w.startswith("-")]
            if len(operands) >= 2 and operands[0].split(":")[0] in stage.uid1000:
                for path in operands[1:]:
                    stage.chowns.append((number, posixpath.normpath(posixpath.join(stage.workdir, path))))


def _uid_warnings(stage: _Stage) -> list[str]:
    warnings = []
    if stage.user is None or stage.user[1] in ("root", "0"):
        where = "has no USER line" if stage.user is None else f"line {stage.user[0]}: USER {stage.user[1]}"
        warnings.append(f"Dockerfile {where}: it is written to run as root, but the Hub runs every container as "
                        "UID 1000, so writes to paths the image leaves owned by root (files copied without "
                        f"--chown, folders made by RUN) fail at run time with PermissionError; if the app writes "
                        f"files, {_FIX_USER}")
    elif stage.user[1] not in stage.uid1000:
        warnings.append(f"Dockerfile line {stage.user[0]}: USER {stage.user[1]} is not created here with UID 1000; "
                        "the Hub runs the container as UID 1000, so files owned by that user are not writable by the "
                        f"app; {_FIX_USER}")
    unowned = [(line, keyword, dest) for line, keyword, dest, chowned in stage.copies if not chowned
               and not any(c_line > line and (dest == path or dest.startswith(path.rstrip("/") + "/"))
                           for c_line, path in stage.chowns)]
    if unowned:
        lines = ", ".join(str(line) for line, _, _ in unowned)
        keyword = unowned[0][1]
        warnings.append(f"Dockerfile line{'s' if len(unowned) > 1 else ''} {lines}: {keyword} without --chown: the "
                        "files belong to root and the app (UID 1000 on Spaces) can read but not write them; if it "
                        f"writes there, use `{keyword} --chown=1000 ...` (or `--chown=user` after `useradd -u 1000 "
                        "user`)")
    for line in stage.recursive_chowns:
        warnings.append(f"Dockerfile line {line}: a recursive chown copies every file it touches into a new image "
                        "layer (a larger image and slower builds, hub-docs spaces-sdks-docker); `COPY --chown=user "
                        "...` sets the owner in the same step")
    return warnings


def _option(words: list[str], names: tuple[str, ...]) -> str | None:
    for i, word in enumerate(words):
        for name in names:
            if word == name and i + 1 < len(words):
                return words[i + 1]
            if word.startswith(f"{name}="):
                return word.split("=", 1)[1]
            if len(name) == 2 and word.startswith(name) and len(word) > 2 and not word.startswith("--"):
                return word[2:]
    return None


def _server(words: list[str]) -> tuple[str | None, list[str]]:
    """(server name, its arguments) for ``uvicorn ...``, ``python -m uvicorn ...``, ``fastapi run ...``."""
    if not words:
        return None, []
    exe = words[0].rsplit("/", 1)[-1]
    if exe.startswith("python") and len(words) > 2 and words[1] == "-m":
        exe, words = words[2], words[2:]
    if exe in SERVERS:
        return exe, words[1:]
    if exe == "fastapi" and words[1:2] in (["run"], ["dev"]):
        return f"fastapi {words[1]}", words[2:]
    return None, words


def _command_port(stage: _Stage, files: Mapping[str, bytes], problems: list[str]) -> tuple[int | None, str, bool]:
    """(port, where it was read, certain) from the final command; loopback hosts appended to ``problems``."""
    parts = [p for p in (stage.entrypoint, stage.command) if p]
    if not parts:
        return None, "", False
    number = parts[-1][0]
    words = [w for _, ws, _ in parts for w in ws]
    shell = any(s for _, _, s in parts)
    server, rest = _server(words)
    if server is None:
        return _script_port(stage, number, words, files, problems)
    host = _option(rest, HOST_OPTIONS)
    port_text = _option(rest, PORT_OPTIONS)
    bind = _option(rest, BIND_OPTIONS)
    if bind:
        host, _, port_text = bind.rpartition(":") if ":" in bind else (bind, "", None)
    env_host, env_port = SERVERS.get(server, ("", ""))
    if not host and env_host:
        host = stage.env.get(env_host)
    if server == "gunicorn" and not bind and stage.env.get("PORT"):  # gunicorn then binds 0.0.0.0:$PORT
        host, port_text = "0.0.0.0", stage.env["PORT"]
    default_host = "0.0.0.0" if server == "fastapi run" else "127.0.0.1"
    if (host or default_host) in LOOPBACK:
        how = f"binds {host}" if host else f"binds {default_host}, {server}'s default, as no --host is given"
        problems.append(f"Dockerfile line {number}: the app {how}, a loopback address the Space's proxy cannot "
                        "reach; listen on all interfaces: `--host 0.0.0.0`")
    if port_text is None:
        port_text = stage.env.get(env_port) if env_port else None
        if port_text is None:
            return 8000, f"Dockerfile line {number}: {server}'s default port 8000 (no --port)", True
    if "$" in port_text and shell and all((m.group(1) or m.group(3)) in stage.env or m.group(2)
                                          for m in _VAR.finditer(port_text)):
        port_text = _expand(port_text, stage.env)
    if host and "$" in host and shell:
        host = _expand(host, stage.env)
    if "$" in port_text:
        problems.append(f"Dockerfile line {number}: the port is {port_text!r}, "
                        + ("which the exec form passes to the app unexpanded" if not shell else
                           "a variable that neither the Dockerfile (ENV) nor the Hub sets")
                        + "; write the port itself (`--port 7860`) or set it with `ENV PORT=7860`")
        return None, "", False
    if port_text.isdigit():
        return int(port_text), f"Dockerfile line {number}: --port {port_text}", True
    problems.append(f"Dockerfile line {number}: the port {port_text!r} is not a number; write it, e.g. `--port 7860`")
    return None, "", False


def _script_port(stage: _Stage, number: int, words: list[str], files: Mapping[str, bytes],
                 problems: list[str]) -> tuple[int | None, str, bool]:
    """The port of ``python script.py`` / ``python -m module``: its ``uvicorn.run(...)`` call."""
    exe = words[0].rsplit("/", 1)[-1] if words else ""
    if not exe.startswith("python") or len(words) < 2:
        return None, "", False
    if words[1] == "-m" and len(words) > 2:
        base = words[2].replace(".", "/")
        candidates = [f"{base}.py", f"{base}/__main__.py"]
    else:
        candidates = [words[1]]
    for candidate in candidates:
        path = posixpath.normpath(posixpath.join(stage.workdir, candidate))
        rel = posixpath.relpath(path, stage.workdir) if path.startswith(stage.workdir) else candidate.lstrip("/")
        if rel in files:
            return _uvicorn_run_port(rel, files[rel], stage.env, problems)
    return None, "", False


def _uvicorn_run_port(rel: str, data: bytes, env: Mapping[str, str],
                      problems: list[str]) -> tuple[int | None, str, bool]:
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError):
        return None, "", False
    constants = {t.id: node.value for node in tree.body if isinstance(node, ast.Assign)
                 for t in node.targets if isinstance(t, ast.Name)}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name)
                and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id) == "run"
                and (not isinstance(node.func, ast.Attribute) or _name(node.func.value) == "uvicorn")):
            continue
        kwargs = {k.arg: k.value for k in node.keywords if k.arg}
        host = _value(kwargs.get("host"), env, constants)
        if "host" not in kwargs or host in LOOPBACK:
            how = f"host={host!r}" if "host" in kwargs else "no host (uvicorn.run's default is 127.0.0.1)"
            problems.append(f"{rel} line {node.lineno}: uvicorn.run with {how} listens on loopback only, which the "
                            "Space's proxy cannot reach; pass `host=\"0.0.0.0\"`")
        port = _value(kwargs.get("port"), env, constants) if "port" in kwargs else "8000"
        if port is not None and str(port).isdigit() and 0 < int(port) < 65536:
            return int(port), f"{rel} line {node.lineno}: uvicorn.run(port={port})", True
        return None, "", False
    return None, "", False


def _name(node: ast.AST) -> str:
    return node.id if isinstance(node, ast.Name) else ""


def _value(node: ast.AST | None, env: Mapping[str, str], constants: Mapping[str, ast.AST],
           depth: int = 0) -> str | None:
    """A constant, ``int(...)``/``str(...)`` of one, or ``os.getenv/os.environ.get(NAME, DEFAULT)`` (NAME from
    the Dockerfile's ENV, else DEFAULT: the Hub sets no PORT); None when it cannot be told."""
    if node is None or depth > 5:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str | int) and not isinstance(node.value, bool):
        return str(node.value)
    if isinstance(node, ast.Name) and node.id in constants:
        return _value(constants[node.id], env, constants, depth + 1)
    if isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else _name(func)
        if name in ("int", "str") and node.args:
            return _value(node.args[0], env, constants, depth + 1)
        if name in ("getenv", "get") and node.args:
            key = _value(node.args[0], env, constants, depth + 1)
            if key is not None and key in env:
                return env[key]
            default = node.args[1] if len(node.args) > 1 else next(
                (k.value for k in node.keywords if k.arg == "default"), None)
            return _value(default, env, constants, depth + 1)
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or) and len(node.values) == 2:
        return _value(node.values[1], env, constants, depth + 1)  # os.environ.get("PORT") or 7860
    return None
