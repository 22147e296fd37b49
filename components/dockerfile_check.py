"""Check a backend's own Dockerfile against the Docker Spaces rules before it is uploaded.

Rules (Hugging Face Docker Spaces): the app runs as a user with UID 1000 (``RUN useradd -m -u 1000
user`` + ``USER user``, or ``USER 1000``); files copied into the image belong to that user
(``COPY --chown=user``); the app listens on 0.0.0.0 at ``app_port`` (7860). Each violation names its
line and the fix. Only the final build stage counts (earlier ``FROM ... AS build`` stages may do as
they like).
"""

from __future__ import annotations

import re

APP_PORT = 7860
_USERADD = re.compile(r"\buseradd\b.*?(?:-u|--uid)[\s=]+(\d+)\b.*?(\S+)\s*$")
_PORT = re.compile(r"(?:--port|-p|--bind|-b)[\s=]+(?:[\w.\[\]:]*:)?(\d+)|\b(?:0\.0\.0\.0|\[::\]):(\d+)")
_LOOPBACK = re.compile(r"(?:--host[\s=]+|-b[\s=]+|--bind[\s=]+)(?:127\.0\.0\.1|localhost)\b")


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


def check_dockerfile(text: str) -> list[str]:
    """Problems of a backend's own Dockerfile, each naming `Dockerfile line N` and the fix."""
    steps = instructions(text)
    froms = [i for i, (_, keyword, _) in enumerate(steps) if keyword == "FROM"]
    if not froms:
        return ["Dockerfile has no FROM line; start it with e.g. `FROM python:3.11-slim`"]
    final = steps[froms[-1]:]
    problems: list[str] = []
    uid1000_users = {"1000"}
    user: tuple[int, str] | None = None
    for number, keyword, args in final:
        if keyword == "RUN":
            for part in re.split(r"&&|;|\|\|", args):
                match = _USERADD.search(part)
                if match and match.group(1) == "1000":
                    uid1000_users.add(match.group(2))
        elif keyword == "USER":
            user = (number, args.split(":")[0].strip())
        elif keyword in ("COPY", "ADD") and "--from" not in args and "--chown" not in args:
            problems.append(f"Dockerfile line {number}: {keyword} without --chown: the files stay owned by root "
                            f"and the app (UID 1000) cannot write them; use `{keyword} --chown=user ...`")
        elif keyword == "EXPOSE" and str(APP_PORT) not in args.split():
            problems.append(f"Dockerfile line {number}: EXPOSE {args} but the Space's app_port is {APP_PORT}; "
                            f"use `EXPOSE {APP_PORT}` and listen on it")
    if user is None:
        problems.append("Dockerfile runs as root (no USER line); add `RUN useradd -m -u 1000 user` and "
                        "`USER user` before copying the code (Spaces run the container as UID 1000)")
    elif user[1] not in uid1000_users:
        problems.append(f"Dockerfile line {user[0]}: USER {user[1]} is not a user with UID 1000; add "
                        "`RUN useradd -m -u 1000 user` and `USER user` (Spaces run the container as UID 1000)")
    commands = [(n, args) for n, keyword, args in final if keyword in ("CMD", "ENTRYPOINT")]
    if not commands:
        problems.append(f"Dockerfile has no CMD; add one that serves the app on 0.0.0.0:{APP_PORT}")
        return problems
    command = " ".join(args for _, args in commands)
    number = commands[-1][0]
    tokens = re.sub(r'[\[\]",]', " ", command)
    ports = {int(a or b) for a, b in _PORT.findall(tokens)}
    if _LOOPBACK.search(tokens):
        problems.append(f"Dockerfile line {number}: the app listens on loopback only; use `--host 0.0.0.0`")
    if ports - {APP_PORT}:
        problems.append(f"Dockerfile line {number}: the app listens on port {min(ports - {APP_PORT})}, not the "
                        f"Space's app_port {APP_PORT}; use `--port {APP_PORT}`")
    elif not ports:
        problems.append(f"Dockerfile line {number}: the command does not set the port (uvicorn's default is "
                        f"8000); add `--port {APP_PORT}` (and `--host 0.0.0.0`)")
    return problems
