"""The "build" of a Docker Space: the checks the Hub (or the container) would fail on, and the launch plan.

Every failure names its rule, e.g. ``[rule dockerfile-copy-source]``, in the build log and the runtime's
``errorMessage``. As on the Hub (hub-docs ``docs/hub/spaces-sdks-docker.md``, ``spaces-config-reference.md``):

- any Dockerfile builds; the container runs as UID 1000 whatever its ``USER`` says ("Permissions": "The
  container runs with user ID 1000"), so a root image is a build-log warning (``dockerfile-user-1000``),
  not a failure (localhub cannot run the app under another UID: it runs as localhub's own user);
- requests go to the README card's ``app_port`` (default 7860); an app that listens elsewhere, or on a
  loopback address only, builds fine and then never answers: the Hub reports ``RUNTIME_ERROR`` "Launch
  timed out, workload was not healthy". localhub reports the same at once (``plan.launch_error``, rules
  ``dockerfile-cmd-port`` / ``dockerfile-cmd-host``) instead of after the startup timeout.
The port the command listens on is its ``--port``/``--bind``, else the server's default (uvicorn,
gunicorn, hypercorn: 8000; ``UVICORN_PORT`` honoured), else unknown (``python start.py``): the app then
listens on ``$PORT``, which localhub sets to the app's private port (the Hub documents no ``PORT``), or on
``app_port`` itself, which the runtime finds among the app's listening sockets and routes to.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass, field

from localhub import dockerfile, frontmatter

DEFAULT_APP_PORT = 7860
HOST_OPTIONS = ("--host", "--server.address", "--server-name", "-H")
PORT_OPTIONS = ("--port", "--server.port", "--server-port", "-p")
BIND_OPTIONS = ("--bind", "-b")
LOOPBACK = ("127.0.0.1", "localhost", "::1")
#: Servers that listen on 127.0.0.1:8000 when the command sets neither host nor port.
DEFAULT_8000 = ("uvicorn", "gunicorn", "hypercorn")


@dataclass
class BuildPlan:
    """What to run: the container command, its environment, and the port it must listen on."""

    app_port: int
    argv: list[str]
    env: dict[str, str]
    workdir: str
    secret_mounts: list[dockerfile.SecretMount] = field(default_factory=list)
    """Space secrets the build steps mount (the pip install of a real build gets those with ``env=``)."""
    launch_error: str | None = None
    """Why the Hub's proxy would never reach the app (wrong port, loopback host): RUNTIME_ERROR at launch."""
    add_port: bool = False
    """The command sets no port but its server's default is app_port: localhub adds ``--port <private>``."""


@dataclass
class BuildResult:
    log: list[str] = field(default_factory=list)
    plan: BuildPlan | None = None
    failures: list[tuple[str, str]] = field(default_factory=list)
    launch_errors: list[tuple[str, str]] = field(default_factory=list)
    add_port: bool = False

    def launch_fail(self, rule: str, message: str) -> None:
        """Builds, but the app will never answer on app_port (the Hub: RUNTIME_ERROR at launch)."""
        self.launch_errors.append((rule, message))
        self.log.append(f"WARNING: [rule {rule}] {message}\n")

    def fail(self, rule: str, message: str) -> None:
        self.failures.append((rule, message))
        self.log.append(f"ERROR: [rule {rule}] {message}\n")

    @property
    def error_message(self) -> str:
        return "; ".join(f"[rule {rule}] {msg}" for rule, msg in self.failures)


def cmd_port(argv: list[str]) -> tuple[int, str] | None:
    """Index and value of the port the command listens on, from ``--port`` or ``--bind host:port``."""
    found = dockerfile.find_option(argv, PORT_OPTIONS)
    if found:
        return found
    bind = dockerfile.find_option(argv, BIND_OPTIONS)
    if bind and ":" in bind[1]:
        return bind[0], bind[1].rsplit(":", 1)[1]
    return None


def cmd_host(argv: list[str]) -> str | None:
    found = dockerfile.find_option(argv, HOST_OPTIONS)
    if found:
        return found[1]
    bind = dockerfile.find_option(argv, BIND_OPTIONS)
    if bind:
        return bind[1].rsplit(":", 1)[0] if ":" in bind[1] else bind[1]
    return None


def _check_readme(files: set[str], read: Callable[[str], bytes], result: BuildResult) -> int | None:
    if "README.md" not in files:
        result.fail("readme-missing", "README.md is missing; a Space needs one with YAML front matter (sdk: docker)")
        return None
    try:
        meta = frontmatter.parse(read("README.md").decode("utf-8", "replace"))
    except frontmatter.FrontMatterError as e:
        result.fail("readme-front-matter", str(e))
        return None
    if meta is None:
        result.fail("readme-front-matter", "README.md has no YAML front matter (--- ... ---) declaring the sdk")
        return None
    if meta.get("sdk") != "docker":
        result.fail("readme-sdk", f"README.md front matter must set 'sdk: docker', got sdk={meta.get('sdk')!r}")
        return None
    port = meta.get("app_port")
    if port is None:
        result.log.append(f"WARNING: [rule readme-app-port] app_port not set, using {DEFAULT_APP_PORT}\n")
        return DEFAULT_APP_PORT
    if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
        result.fail("readme-app-port", f"README.md app_port must be an integer port, got {port!r}")
        return None
    return port


def _check_user(df: dockerfile.Dockerfile, result: BuildResult) -> None:
    """The Hub runs every container as UID 1000: a root or other-UID image builds, with a warning."""
    user = df.user
    if user is None or user in ("root", "0"):
        result.log.append("WARNING: [rule dockerfile-user-1000] the image is written to run as root; Spaces run it "
                          "as UID 1000, so writes to root-owned paths fail at run time\n")
        return
    uid = int(user) if user.isdigit() else df.users.get(user)
    if uid != 1000:
        how = f"UID {uid}" if uid is not None else "no `useradd -u 1000` creating it"
        result.log.append(f"WARNING: [rule dockerfile-user-1000] USER {user} is not UID 1000 ({how}); Spaces run "
                          "the container as UID 1000\n")


def listen_port(argv: list[str], env: dict[str, str]) -> str | None:
    """The port the command listens on: its option, else its server's default (8000), else None."""
    port = cmd_port(argv)
    if port is not None:
        return port[1]
    server = server_of(argv)
    if server == "uvicorn" and env.get("UVICORN_PORT"):
        return env["UVICORN_PORT"]
    if server == "gunicorn" and env.get("PORT"):  # gunicorn then binds 0.0.0.0:$PORT (localhub's private port)
        return env["PORT"]
    return "8000" if server in DEFAULT_8000 else None


def server_of(argv: list[str]) -> str:
    exe = argv[0].rsplit("/", 1)[-1] if argv else ""
    if exe.startswith("python") and len(argv) > 2 and argv[1] == "-m":
        return argv[2]
    return exe


def _check_cmd(df: dockerfile.Dockerfile, app_port: int | None, result: BuildResult) -> None:
    argv = df.argv
    if not argv:
        result.fail("dockerfile-cmd", "the Dockerfile has no CMD or ENTRYPOINT to start the app")
        return
    port = listen_port(argv, df.env)
    if port is None:
        result.log.append("WARNING: [rule dockerfile-cmd-port] no --port in CMD; the app must listen on $PORT\n")
    elif app_port is not None and port != str(app_port):
        result.launch_fail("dockerfile-cmd-port", f"CMD listens on port {port} but README.md app_port is {app_port}; "
                           "the Space would never be healthy")
    elif cmd_port(argv) is None and server_of(argv) == "uvicorn":
        result.add_port = True
    host = cmd_host(argv)
    server = server_of(argv)
    if server == "uvicorn" and host is None:
        host = df.env.get("UVICORN_HOST")
    if server == "gunicorn" and host is None and df.env.get("PORT"):
        host = "0.0.0.0"
    if host in LOOPBACK or (host is None and server in DEFAULT_8000):
        result.launch_fail(
            "dockerfile-cmd-host",
            f"CMD binds {host or f'127.0.0.1 ({server} default)'}; bind 0.0.0.0 so the Space proxy can reach the app",
        )


def _check_copies(df: dockerfile.Dockerfile, files: set[str], result: BuildResult) -> None:
    dirs = {p.rsplit("/", i)[0] for p in files for i in range(1, p.count("/") + 1)}
    for line, sources in df.copies:
        for src in sources:
            norm = src.strip("/").removeprefix("./").rstrip("/") or "."
            if norm == "." or norm in files or norm in dirs:
                continue
            if any(c in norm for c in "*?[") and any(fnmatch.fnmatch(p, norm) for p in files | dirs):
                continue
            result.fail("dockerfile-copy-source", f"line {line}: COPY source {src!r} does not exist in the repo")


def build_secrets(plan: BuildPlan, secrets: dict[str, str], result: BuildResult) -> dict[str, str] | None:
    """The environment the build's pip install sees: each mounted secret with ``env=`` under that name.
    A ``required=true`` mount of a secret the Space lacks fails the build (None), as BuildKit does."""
    env: dict[str, str] = {}
    for mount in plan.secret_mounts:
        if mount.id not in secrets:
            if mount.required:
                result.fail("dockerfile-secret-missing", f"line {mount.line}: secret {mount.id} is mounted with "
                            "required=true but the Space has no such secret")
                return None
            continue
        if mount.env:
            env[mount.env] = secrets[mount.id]
    return env


def check(files: set[str], read: Callable[[str], bytes]) -> BuildResult:
    """Run every rule over the committed files; ``plan`` is set only when all pass."""
    result = BuildResult()
    app_port = _check_readme(files, read, result)
    if "Dockerfile" not in files:
        result.fail("dockerfile-missing", "no Dockerfile at the root of the repo (sdk: docker needs one)")
        return result
    try:
        df = dockerfile.parse(read("Dockerfile").decode("utf-8", "replace"))
    except dockerfile.DockerfileError as e:
        result.fail("dockerfile-parse", f"Dockerfile parse error: {e}")
        return result
    for ins in df.instructions:
        result.log.append(f"--> {ins.keyword} {ins.args}\n")
    _check_user(df, result)
    _check_cmd(df, app_port, result)
    _check_copies(df, files, result)
    if not result.failures and app_port is not None and df.argv:
        launch_error = "; ".join(f"[rule {rule}] {msg}" for rule, msg in result.launch_errors) or None
        result.plan = BuildPlan(app_port, list(df.argv), dict(df.env), df.workdir, list(df.secret_mounts),
                                launch_error, result.add_port)
        result.log.append("--> Build succeeded (localhub: no image built; the app runs in localhub's Python)\n")
    return result
