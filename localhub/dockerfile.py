"""A small Dockerfile parser: instructions, ENV, users created with a UID, the final USER and CMD."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field

KNOWN = frozenset(
    [
        "FROM",
        "RUN",
        "CMD",
        "LABEL",
        "MAINTAINER",
        "EXPOSE",
        "ENV",
        "ADD",
        "COPY",
        "ENTRYPOINT",
        "VOLUME",
        "USER",
        "WORKDIR",
        "ARG",
        "ONBUILD",
        "STOPSIGNAL",
        "HEALTHCHECK",
        "SHELL",
    ]
)
_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")


class DockerfileError(ValueError):
    """The Dockerfile does not parse."""


@dataclass
class Instruction:
    line: int
    keyword: str
    args: str


@dataclass(frozen=True)
class SecretMount:
    """``RUN --mount=type=secret,id=NAME[,env=VAR][,required=true]``: how a build step sees a Space secret.

    The Hub makes a Space's secrets visible at build time only this way (hub-docs ``spaces-sdks-docker.md``,
    "Secrets and Variables Management"); ``env=`` exposes it as an environment variable of that step and
    ``required=true`` fails the build when it is missing (Docker's Dockerfile reference, ``RUN --mount``).
    """

    line: int
    id: str
    env: str | None
    required: bool


@dataclass
class Dockerfile:
    """What the runtime needs from a parsed Dockerfile."""

    instructions: list[Instruction]
    env: dict[str, str] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    user: str | None = None
    workdir: str = "/"
    entrypoint: list[str] | None = None
    cmd: list[str] | None = None
    cmd_line: int = 0
    copies: list[tuple[int, list[str]]] = field(default_factory=list)
    secret_mounts: list[SecretMount] = field(default_factory=list)

    @property
    def argv(self) -> list[str] | None:
        """The container command: ENTRYPOINT (exec form) followed by CMD, as Docker combines them."""
        if self.entrypoint:
            return self.entrypoint + (self.cmd or [])
        return self.cmd


def expand(text: str, env: dict[str, str]) -> str:
    """Substitute ``$VAR`` / ``${VAR}`` / ``${VAR:-default}`` like Docker does."""

    def sub(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(3)
        return env.get(name, m.group(2) or "")

    return _VAR.sub(sub, text)


def _logical_lines(text: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    buf, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not buf and (not stripped or stripped.startswith("#")):
            continue
        if buf and stripped.startswith("#"):
            continue
        if not buf:
            start = number
        if stripped.endswith("\\"):
            buf += stripped[:-1] + " "
            continue
        out.append((start, buf + stripped))
        buf = ""
    if buf:
        out.append((start, buf))
    return out


def _command(args: str, keyword: str, line: int, env: dict[str, str]) -> list[str]:
    if args.lstrip().startswith("["):
        try:
            value = json.loads(args)
        except json.JSONDecodeError as e:
            raise DockerfileError(f"line {line}: {keyword} exec form is not a valid JSON array: {e}") from e
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise DockerfileError(f"line {line}: {keyword} exec form must be a JSON array of strings")
        return list(value)
    try:
        words = shlex.split(expand(args, env))
    except ValueError as e:
        raise DockerfileError(f"line {line}: {keyword} shell form does not parse: {e}") from e
    if words[:1] == ["exec"]:
        words = words[1:]
    if words[:2] in (["sh", "-c"], ["/bin/sh", "-c"], ["bash", "-c"], ["/bin/bash", "-c"]) and len(words) == 3:
        words = shlex.split(words[2])
    return words


def _parse_env(args: str, line: int) -> dict[str, str]:
    try:
        words = shlex.split(args)
    except ValueError as e:
        raise DockerfileError(f"line {line}: ENV does not parse: {e}") from e
    if words and "=" not in words[0]:
        return {words[0]: " ".join(words[1:])}
    out = {}
    for word in words:
        key, sep, value = word.partition("=")
        if not sep or not key:
            raise DockerfileError(f"line {line}: ENV expects KEY=VALUE pairs, got {word!r}")
        out[key] = value
    return out


def _created_users(run: str) -> dict[str, int]:
    """Users created by ``useradd``/``adduser`` with an explicit ``-u``/``--uid``."""
    users: dict[str, int] = {}
    for segment in re.split(r"&&|\|\||;|\|", run):
        try:
            words = shlex.split(segment)
        except ValueError:
            continue
        if not words or words[0] not in ("useradd", "adduser"):
            continue
        uid, name, i = None, None, 1
        while i < len(words):
            word = words[i]
            if word in ("-u", "--uid") and i + 1 < len(words):
                uid, i = words[i + 1], i + 2
                continue
            if word.startswith("--uid="):
                uid = word.split("=", 1)[1]
            elif word in ("-g", "-G", "-d", "-s", "-c", "-k", "-K", "-p", "-h", "--home", "--shell", "--gid"):
                i += 1
            elif not word.startswith("-"):
                name = word
            i += 1
        if name and uid and uid.isdigit():
            users[name] = int(uid)
    return users


def parse(text: str) -> Dockerfile:
    """Parse ``text``; DockerfileError names the line that is wrong."""
    lines = _logical_lines(text)
    if not lines:
        raise DockerfileError("the Dockerfile is empty")
    instructions = []
    for number, content in lines:
        keyword, _, args = content.partition(" ")
        if keyword.upper() not in KNOWN:
            raise DockerfileError(f"line {number}: unknown instruction: {keyword}")
        instructions.append(Instruction(number, keyword.upper(), args.strip()))
    first = next((i for i in instructions if i.keyword != "ARG"), None)
    if first is None or first.keyword != "FROM":
        raise DockerfileError(f"line {instructions[0].line}: the first instruction must be FROM")
    df = Dockerfile(instructions)
    build_args: dict[str, str] = {}
    for ins in instructions:
        scope = {**build_args, **df.env}
        if ins.keyword == "FROM":
            if not ins.args:
                raise DockerfileError(f"line {ins.line}: FROM requires an image")
            # A new stage starts from its base image: root user, no CMD, stage-local ENV and users.
            df.env, df.users, df.user, df.workdir = {}, {}, None, "/"
            df.cmd, df.entrypoint = None, None
        elif ins.keyword == "ARG":
            name, _, default = ins.args.partition("=")
            build_args[name.strip()] = default.strip().strip('"')
        elif ins.keyword == "ENV":
            df.env.update({k: expand(v, scope) for k, v in _parse_env(ins.args, ins.line).items()})
        elif ins.keyword == "RUN":
            df.users.update(_created_users(ins.args))
            df.secret_mounts.extend(_secret_mounts(ins))
        elif ins.keyword == "USER":
            df.user = expand(ins.args, scope).split(":")[0].strip()
        elif ins.keyword == "WORKDIR":
            workdir = expand(ins.args, scope)
            df.workdir = workdir if workdir.startswith("/") else df.workdir.rstrip("/") + "/" + workdir
        elif ins.keyword == "CMD":
            df.cmd, df.cmd_line = _command(ins.args, "CMD", ins.line, scope), ins.line
        elif ins.keyword == "ENTRYPOINT":
            df.entrypoint = _command(ins.args, "ENTRYPOINT", ins.line, scope)
        elif ins.keyword in ("COPY", "ADD"):
            try:
                words = [w for w in shlex.split(ins.args) if not w.startswith("--")]
            except ValueError as e:
                raise DockerfileError(f"line {ins.line}: {ins.keyword} does not parse: {e}") from e
            if ins.args.lstrip().startswith("["):
                words = json.loads(ins.args)
            if len(words) < 2:
                raise DockerfileError(f"line {ins.line}: {ins.keyword} requires a source and a destination")
            if "--from" not in ins.args and ins.keyword == "COPY":
                df.copies.append((ins.line, words[:-1]))
    return df


def _secret_mounts(ins: Instruction) -> list[SecretMount]:
    """The ``--mount=type=secret,...`` flags at the start of a RUN instruction."""
    mounts = []
    for word in ins.args.split():
        if not word.startswith("--"):
            break  # the flags come before the command
        if not word.startswith("--mount="):
            continue
        options = dict(part.partition("=")[::2] for part in word.removeprefix("--mount=").split(","))
        if options.get("type") != "secret":
            continue
        ident = options.get("id") or options.get("target", "").rsplit("/", 1)[-1]
        if not ident:
            raise DockerfileError(f"line {ins.line}: a secret mount needs an id")
        mounts.append(SecretMount(ins.line, ident, options.get("env") or None,
                                  options.get("required", "false").lower() in ("", "true")))  # bare `required`
    return mounts


def find_option(argv: list[str], names: tuple[str, ...]) -> tuple[int, str] | None:
    """(index of the value, value) of the first ``--name V`` / ``--name=V`` in ``argv``."""
    for i, word in enumerate(argv):
        for name in names:
            if word == name and i + 1 < len(argv):
                return i + 1, argv[i + 1]
            if word.startswith(name + "="):
                return i, word.split("=", 1)[1]
    return None
