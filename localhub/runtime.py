"""The Spaces runtime: stages, the "build" checks, and the Space app run as a local subprocess.

Each commit, secret/variable/hardware change or restart starts a new *generation*: the running app is
stopped, the stage goes BUILDING -> APP_STARTING -> RUNNING (or BUILD_ERROR / RUNTIME_ERROR). Work of an
older generation is dropped as soon as a newer one starts. After a commit the previous build keeps
reporting RUNNING (and serving) for ``running_window_seconds`` before BUILDING shows, as on the Hub
(localhub/README.md "2026 behaviours"). A RUNNING Space idle for its sleep time goes SLEEPING and a request to
its URL wakes it (the proxy, ``proxy.py``). Builds are ``real`` (requirements pip-installed into a cached
virtualenv, ``venvs.py``) or ``fast`` (localhub's own interpreter). No container isolation: the app runs
as the same OS user.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from localhub import build, venvs
from localhub.logs import LogBuffer
from localhub.proxy import SpaceProxy
from localhub.stats import Stats
from localhub.storage import RepoKey, Store
from localhub.timeutil import now_iso

PYTHON_SERVERS = ("uvicorn", "gunicorn", "hypercorn", "fastapi", "streamlit", "gradio", "flask")
NON_APP_FILES = frozenset({".gitattributes", "README.md", ".gitignore"})
INHERITED_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "SYSTEMROOT")
DEFAULT_SLEEP_TIME = 172800
#: Seconds a build shows BUILDING before it runs its checks (``--build-delay``). A Hub build is never instant:
#: right after a commit the runtime reads BUILDING, even for a Space whose build then fails (HFH
#: ``tests/cassettes/TestSpaceAPIProduction.test_space_runtime.yaml`` and ``test_pause_and_restart_space.yaml``,
#: whose test waits for BUILDING, then pauses and restarts). 0 makes builds as fast as the checks.
DEFAULT_BUILD_SECONDS = 1.0


def subdomain(repo_id: str) -> str:
    """The ``*.hf.space`` subdomain of a Space: ``owner-name`` lowercased, ``_`` and ``.`` as ``-``."""
    return repo_id.replace("/", "-").replace("_", "-").replace(".", "-").lower()


#: util-linux's ``setpriv`` (Essential on Debian, so on every machine of ours) sets the parent-death signal
#: and execs the app: no Python code runs between fork and exec.
_SETPRIV = shutil.which("setpriv")
#: libc's prctl, loaded once here in the parent: the fallback child must not dlopen after fork.
_PRCTL = ctypes.CDLL(None, use_errno=True).prctl if _SETPRIV is None else None


def _with_pdeathsig(argv: list[str]) -> list[str]:
    """``argv`` made to die with localhub (Linux ``PR_SET_PDEATHSIG``), so a killed hub leaves no app behind.

    Through ``setpriv --pdeathsig KILL`` rather than a ``preexec_fn``: a ``preexec_fn`` runs Python in the
    child of a multi-threaded process (hf_xet, uvicorn and the build threads all run in localhub), and a
    ``dlopen`` there can block forever on a loader lock another thread held at fork (seen as a spawn that
    hangs in ``subprocess.Popen`` under load)."""
    return [_SETPRIV, "--pdeathsig", "KILL", "--", *argv] if _SETPRIV else argv


def _pdeathsig() -> None:
    """In the child, when there is no setpriv: the same signal through the prctl loaded before fork."""
    if _PRCTL is not None:
        _PRCTL(1, signal.SIGKILL)


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _listening_ports(pgid: int) -> set[int]:
    """TCP ports the processes of group ``pgid`` listen on (Linux ``/proc``; empty elsewhere)."""
    inodes: dict[str, int] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with suppress(OSError), open(table) as handle:
            for line in handle.readlines()[1:]:
                fields = line.split()
                if len(fields) > 9 and fields[3] == "0A":  # LISTEN
                    inodes[fields[9]] = int(fields[1].rsplit(":", 1)[1], 16)
    ports: set[int] = set()
    for pid in (p for p in os.listdir("/proc") if p.isdigit()) if os.path.isdir("/proc") else ():
        with suppress(OSError, ValueError, IndexError):
            with open(f"/proc/{pid}/stat") as handle:
                if int(handle.read().rsplit(")", 1)[1].split()[2]) != pgid:
                    continue
            for fd in os.listdir(f"/proc/{pid}/fd"):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    ports.add(inodes[target[8:-1]])
    return ports


def _accepting(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@dataclass
class SpaceState:
    """In-memory runtime state of one Space."""

    stage: str = "NO_APP_FILE"
    error: str | None = None
    generation: int = 0
    build_log: LogBuffer = field(default_factory=LogBuffer)
    run_log: LogBuffer = field(default_factory=LogBuffer)
    process: subprocess.Popen[bytes] | None = None
    workdir: Path | None = None
    sha: str | None = None
    #: The private port the app listens on (the public port is the proxy's).
    app_port: int | None = None
    last_activity: float = field(default_factory=time.monotonic)


@dataclass
class RuntimeConfig:
    """Knobs settable with ``PUT /_localhub/config``."""

    build_delay_seconds: float = DEFAULT_BUILD_SECONDS
    startup_timeout_seconds: float = 120.0
    #: After a commit, seconds the previous build keeps reporting RUNNING before BUILDING.
    running_window_seconds: float = 1.0
    #: Idle seconds before SLEEPING; negative: each Space's own sleep time (gcTimeout, -1/0 never).
    sleep_after_seconds: float = -1.0
    build_mode: str = "fast"
    venv_cache: str = ""
    KEYS: ClassVar[tuple[str, ...]] = (
        "build_delay_seconds", "startup_timeout_seconds", "running_window_seconds", "sleep_after_seconds",
    )  # fmt: skip


class Runtime:
    """Runs the Spaces of a store."""

    def __init__(
        self, store: Store, stats: Stats, data_dir: Path, config: RuntimeConfig | None = None, auth: Any = None
    ) -> None:
        self.auth = auth
        self._proxies: dict[RepoKey, SpaceProxy] = {}
        self.store = store
        self.stats = stats
        self.config = config or RuntimeConfig()
        self.root = Path(data_dir) / "runtime"
        shutil.rmtree(self.root, ignore_errors=True)
        self.root.mkdir(parents=True)
        self._lock = threading.RLock()
        self._states: dict[RepoKey, SpaceState] = {}
        self._ports: dict[RepoKey, int] = {}
        # Apps are spawned from one long-lived thread: PR_SET_PDEATHSIG fires when the spawning thread exits.
        self._spawner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="localhub-spawn")
        self._closed = False
        threading.Thread(target=self._sleeper, daemon=True, name="localhub-sleeper").start()

    # ---- queries
    def state(self, key: RepoKey) -> SpaceState:
        with self._lock:
            return self._states.setdefault(key, SpaceState())

    def port(self, key: RepoKey) -> int:
        """The stable local port the Space's app is served on (persisted in the repo metadata)."""
        with self._lock:
            if key in self._ports:
                return self._ports[key]
            meta = self.store.get_meta(key) or {}
            port = meta.get("localPort")
            taken = set(self._ports.values())
            if not isinstance(port, int) or port in taken or not _port_free(port):
                port = _free_port()
                while port in taken:
                    port = _free_port()
                chosen = port
                with suppress(KeyError):
                    self.store.update_meta(key, lambda m: m.__setitem__("localPort", chosen))
            self._ports[key] = port
            proxy = SpaceProxy(self, self.auth, key, port)
            proxy.start()
            self._proxies[key] = proxy
            return port

    def app_port(self, key: RepoKey) -> int | None:
        """The private port of the Space's running app (None when no app runs)."""
        with self._lock:
            st = self.state(key)
            return st.app_port if st.process is not None else None

    def touch(self, key: RepoKey) -> None:
        """A request reached the Space: reset its idle-sleep clock."""
        self.state(key).last_activity = time.monotonic()

    def host(self, key: RepoKey) -> str:
        return f"http://127.0.0.1:{self.port(key)}"

    def runtime_json(self, key: RepoKey, meta: dict[str, Any]) -> dict[str, Any]:
        st = self.state(key)
        hardware = meta.get("hardware") or "cpu-basic"
        running = st.stage in ("RUNNING", "APP_STARTING", "RUNNING_BUILDING", "RUNNING_APP_STARTING")
        out: dict[str, Any] = {
            "stage": st.stage,
            "hardware": {"current": hardware if running else None, "requested": hardware},
            "storage": None,
            "gcTimeout": meta.get("sleepTime", DEFAULT_SLEEP_TIME),
            "replicas": {"requested": 1, "current": 1 if running else 0},
            "devMode": False,
            "domains": [{"domain": f"127.0.0.1:{self.port(key)}", "stage": "READY"}],
            "sdk": meta.get("sdk"),
            "host": self.host(key),
        }
        if st.error:
            out["errorMessage"] = st.error
        if st.sha and running:
            out["sha"] = st.sha  # the commit the running build serves
        return out

    # ---- transitions
    def _next_generation(self, key: RepoKey, stage: str) -> tuple[SpaceState, int]:
        with self._lock:
            st = self.state(key)
            st.generation += 1
            st.stage, st.error = stage, None
            proc, workdir = st.process, st.workdir
            st.process = st.workdir = None
        self._stop(proc, workdir)
        return st, st.generation

    def trigger(self, key: RepoKey, reason: str, keep_running: bool = False) -> None:
        """Rebuild and restart the Space (unless it is paused).

        ``keep_running`` (a commit): a RUNNING app keeps running and the stage stays RUNNING for
        ``running_window_seconds`` before BUILDING shows (localhub/README.md: a waiter must wait for the new revision).
        """
        meta = self.store.get_meta(key)
        if meta is None or self._closed:
            return
        if meta.get("paused"):
            self._next_generation(key, "PAUSED")
            return
        window = 0.0
        with self._lock:
            st = self.state(key)
            if keep_running and st.stage == "RUNNING" and st.process is not None:
                window = self.config.running_window_seconds
            if window > 0:
                st.generation += 1
                gen = st.generation
        if window <= 0:
            st, gen = self._next_generation(key, "BUILDING")
            st.build_log.clear()
            st.build_log.append(f"===== Build Queued at {now_iso()} ({reason}) =====\n")
        self.stats.record_rebuild(key.repo_id)
        args = (key, gen, window, reason)
        threading.Thread(target=self._pipeline, args=args, daemon=True, name=f"build-{key.repo_id}").start()

    def wake(self, key: RepoKey) -> None:
        """A request reached a SLEEPING Space: start it again (a rebuild: cached in real mode)."""
        with self._lock:
            if self.state(key).stage != "SLEEPING":
                return
        self.trigger(key, "woken by a request")

    def _sleeper(self) -> None:
        """Put RUNNING Spaces idle longer than their sleep time to SLEEPING (the app is stopped)."""
        while not self._closed:
            time.sleep(0.2)
            with self._lock:
                candidates = [(k, st) for k, st in self._states.items() if st.stage == "RUNNING" and st.process]
            for key, st in candidates:
                limit = self.config.sleep_after_seconds
                if limit < 0:
                    meta = self.store.get_meta(key) or {}
                    limit = float(meta.get("sleepTime", DEFAULT_SLEEP_TIME))
                    if limit <= 0:
                        continue  # -1 / 0: never sleeps
                if time.monotonic() - st.last_activity > limit:
                    with self._lock:
                        if st.stage != "RUNNING":
                            continue
                    self._next_generation(key, "SLEEPING")
                    st.run_log.append(f"===== Space went to sleep after {limit:.0f} s idle at {now_iso()} =====\n")

    def pause(self, key: RepoKey) -> None:
        self._next_generation(key, "PAUSED")

    def forget(self, key: RepoKey) -> None:
        """The Space was deleted: stop it and drop its state."""
        st, _ = self._next_generation(key, "NO_APP_FILE")
        for log in (st.build_log, st.run_log):
            log.clear()
            log.close()
        with self._lock:  # the state object stays: its generation counter must keep growing
            self._ports.pop(key, None)
            proxy = self._proxies.pop(key, None)
        if proxy is not None:
            proxy.stop()

    def shutdown(self) -> None:
        self._closed = True
        with self._lock:
            keys = list(self._states)
        for key in keys:
            self._next_generation(key, "STOPPED")
        self._spawner.shutdown(wait=False)
        with self._lock:
            proxies = list(self._proxies.values())
            self._proxies.clear()
        for proxy in proxies:
            proxy.stop()

    def start_all(self) -> None:
        """On startup: bring every Space back to the stage it would have on the Hub."""
        for key in self.store.list_repos():
            if key.type == "space":
                self.port(key)
                self.trigger(key, "localhub started")

    # ---- the pipeline
    def _current(self, key: RepoKey, gen: int) -> bool:
        return self.state(key).generation == gen and not self._closed

    def _set(self, key: RepoKey, gen: int, stage: str, error: str | None = None) -> bool:
        with self._lock:
            st = self.state(key)
            if st.generation != gen:
                return False
            st.stage, st.error = stage, error
            return True

    def _pipeline(self, key: RepoKey, gen: int, window: float = 0.0, reason: str = "") -> None:
        if window > 0:
            deadline = time.monotonic() + window
            while time.monotonic() < deadline:
                if not self._current(key, gen):
                    return
                time.sleep(0.05)
            with self._lock:
                if not self._current(key, gen):
                    return
                st = self.state(key)
                st.stage, st.error = "BUILDING", None
                proc, workdir = st.process, st.workdir
                st.process = st.workdir = None
            self._stop(proc, workdir)
            st.build_log.clear()
            st.build_log.append(f"===== Build Queued at {now_iso()} ({reason}) =====\n")
        try:
            self._build_and_run(key, gen)
        except Exception as e:  # the runtime must never take localhub down
            self.state(key).build_log.append(f"localhub internal error: {e!r}\n")
            self._set(key, gen, "BUILD_ERROR", f"localhub internal error: {e!r}")

    def _build_and_run(self, key: RepoKey, gen: int) -> None:
        st = self.state(key)
        build_log = st.build_log.generation  # this build's log; closed when the build is over
        try:
            built = self._wait_and_build(key, gen)
        finally:
            st.build_log.close(build_log)
        if built is None:
            return
        sha, plan, python = built
        st.run_log.clear()  # this run's log, open from APP_STARTING until its process ends
        if not self._set(key, gen, "APP_STARTING"):
            st.run_log.close()
            return
        workdir = self.root / key.type / key.namespace / key.name / uuid.uuid4().hex[:12]
        workdir.parent.mkdir(parents=True, exist_ok=True)
        self.store.materialize(sha, workdir)
        self._run(key, gen, plan, workdir, sha, python)

    def _wait_and_build(self, key: RepoKey, gen: int) -> tuple[str, build.BuildPlan, str] | None:
        deadline = time.monotonic() + self.config.build_delay_seconds
        while time.monotonic() < deadline:
            if not self._current(key, gen):
                return None
            time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))
        sha = self.store.head(key)
        if sha is None or not self._current(key, gen):
            return None
        built = self._build(key, gen, sha)
        return None if built is None else (sha, *built)

    def _build(self, key: RepoKey, gen: int, sha: str) -> tuple[build.BuildPlan, str] | None:
        """Check and (real mode) pip-install commit `sha`: (plan, the python to run it), or
        None when the build failed (the stage says why) or was superseded."""
        st = self.state(key)
        tree = self.store.read_commit(sha).tree
        st.build_log.append(f"===== Build started, commit {sha} =====\n")
        if not set(tree) - NON_APP_FILES:
            st.build_log.append("No application file in the repo (NO_APP_FILE)\n")
            self._set(key, gen, "NO_APP_FILE")
            return None
        result = build.check(set(tree), lambda p: self.store.read_file(tree[p]))
        for line in result.log:
            st.build_log.append(line)
        if result.plan is None:
            self._set(key, gen, "BUILD_ERROR", result.error_message or "build failed")
            return None
        python = sys.executable
        if self.config.build_mode == "real":
            requirements = self.store.read_file(tree["requirements.txt"]) if "requirements.txt" in tree else b""
            secrets = {k: v["value"] for k, v in (self.store.get_meta(key) or {}).get("secrets", {}).items()}
            mounted = build.build_secrets(result.plan, secrets, result)
            if mounted is None:
                st.build_log.append(result.log[-1])
                self._set(key, gen, "BUILD_ERROR", result.error_message)
                return None
            try:
                venv = venvs.ensure(Path(self.config.venv_cache), requirements, st.build_log.append, env=mounted)
                python = str(venvs.python_of(venv))
            except venvs.InstallError as e:
                st.build_log.append(f"ERROR: pip install -r requirements.txt failed: {e}\n")
                last = " | ".join(line for line in e.tail[-5:] if line.strip())
                self._set(key, gen, "BUILD_ERROR", f"pip install -r requirements.txt failed: {last}")
                return None
        if not self._current(key, gen):
            return None
        st.build_log.append(f"===== Application Startup at {now_iso()} =====\n")
        return result.plan, python

    def _launch_argv(self, argv: list[str], port: int, python: str = sys.executable) -> list[str]:
        argv = list(argv)
        exe = argv[0].rsplit("/", 1)[-1]
        if exe in PYTHON_SERVERS:
            argv = [python, "-m", exe, *argv[1:]]
        elif exe.startswith("python"):
            argv = [python, *argv[1:]]
        found = build.cmd_port(argv)
        if found:
            i, value = found
            argv[i] = str(port) if argv[i] == value else argv[i].replace(value, str(port))
        for i, word in enumerate(argv):
            previous = argv[i - 1] if i else ""
            if previous in build.HOST_OPTIONS:
                argv[i] = "127.0.0.1"
            elif word.startswith(tuple(o + "=" for o in build.HOST_OPTIONS)):
                argv[i] = word.split("=", 1)[0] + "=127.0.0.1"
            elif previous in build.BIND_OPTIONS and ":" in word:
                argv[i] = "127.0.0.1:" + word.rsplit(":", 1)[1]
        return argv

    def _environment(
        self, key: RepoKey, plan: build.BuildPlan, workdir: Path, port: int, public_port: int
    ) -> dict[str, str]:
        meta = self.store.get_meta(key) or {}
        env = {k: os.environ[k] for k in INHERITED_ENV if k in os.environ}
        host_path = env.get("PATH", os.defpath)
        for k, v in plan.env.items():
            env[k] = f"{v}:{host_path}" if k == "PATH" else v
        home = workdir.parent / (workdir.name + "-home")
        home.mkdir(exist_ok=True)
        env.update(
            {
                "HOME": str(home),
                "PORT": str(port),
                "PYTHONUNBUFFERED": "1",
                "PYTHONDONTWRITEBYTECODE": "1",
                "SYSTEM": "spaces",
                "SPACE_ID": key.repo_id,
                "SPACE_AUTHOR_NAME": key.namespace,
                "SPACE_REPO_NAME": key.name,
                "SPACE_HOST": f"127.0.0.1:{public_port}",
                "SPACE_SUBDOMAIN": subdomain(key.repo_id),
            }
        )
        env.update({k: v["value"] for k, v in meta.get("variables", {}).items()})
        env.update({k: v["value"] for k, v in meta.get("secrets", {}).items()})
        return env

    def _run(
        self, key: RepoKey, gen: int, plan: build.BuildPlan, workdir: Path, sha: str, python: str = sys.executable
    ) -> None:
        st = self.state(key)
        self.port(key)  # the public port (the proxy) exists
        if plan.launch_error:  # the Hub: built, then nothing answers on app_port (localhub: at once)
            st.run_log.append(f"Launch timed out, workload was not healthy: {plan.launch_error}\n")
            st.run_log.close()
            shutil.rmtree(workdir, ignore_errors=True)
            self._set(key, gen, "RUNTIME_ERROR", f"Launch timed out, workload was not healthy ({plan.launch_error})")
            return
        port = _free_port()
        argv = self._launch_argv(plan.argv, port, python)
        if plan.add_port:
            argv += ["--port", str(port)]
        env = self._environment(key, plan, workdir, port, self.port(key))
        st.run_log.append(f"===== Application Startup at {now_iso()} =====\n")

        def spawn() -> subprocess.Popen[bytes]:
            return subprocess.Popen(
                _with_pdeathsig(argv),
                cwd=workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=None if _SETPRIV else _pdeathsig,
            )

        with self._lock:
            if st.generation != gen:
                shutil.rmtree(workdir, ignore_errors=True)
                st.run_log.close()
                return
            try:
                proc = self._spawner.submit(spawn).result()
            except (OSError, RuntimeError) as e:
                st.run_log.append(f"failed to start {argv[0]}: {e}\n")
                st.run_log.close()
                st.stage, st.error = "RUNTIME_ERROR", f"failed to start the app: {e}"
                return
            st.process, st.workdir, st.sha, st.app_port = proc, workdir, sha, port
        threading.Thread(target=self._pump, args=(proc, st.run_log), daemon=True).start()
        deadline = time.monotonic() + self.config.startup_timeout_seconds
        unknown_port = build.listen_port(plan.argv, plan.env) is None
        polls = 0
        while self._current(key, gen):
            code = proc.poll()
            if code is not None:
                self._exited(key, gen, proc)
                return
            listening = _accepting(port)
            polls += 1
            if not listening and unknown_port and polls % 10 == 0 and plan.app_port in _listening_ports(proc.pid):
                # The app picks its own port (`uvicorn.run(port=7860)` in a script): the Hub routes to
                # app_port, and so does the proxy when it is this app that listens there.
                with self._lock:
                    st.app_port = plan.app_port
                listening = True
            if listening:
                st.last_activity = time.monotonic()
                if self._set(key, gen, "RUNNING"):
                    threading.Thread(target=self._watch, args=(key, gen, proc), daemon=True).start()
                return
            if time.monotonic() > deadline:
                others = sorted(_listening_ports(proc.pid) - {port}) if unknown_port else []
                elsewhere = f" (the app listens on {', '.join(map(str, others))})" if others else ""
                st.run_log.append(f"Launch timed out: nothing listening on port {plan.app_port}{elsewhere}\n")
                self._set(key, gen, "RUNTIME_ERROR", "Launch timed out, workload was not healthy")
                return
            time.sleep(0.05)

    @staticmethod
    def _pump(proc: subprocess.Popen[bytes], log: LogBuffer) -> None:
        """Copy the app's stdout/stderr into its run log; the log ends when the process does."""
        assert proc.stdout is not None
        generation = log.generation
        for raw in iter(proc.stdout.readline, b""):
            log.append(raw.decode("utf-8", "replace"))
        proc.stdout.close()
        log.close(generation)

    def _watch(self, key: RepoKey, gen: int, proc: subprocess.Popen[bytes]) -> None:
        proc.wait()
        self._exited(key, gen, proc)

    def _exited(self, key: RepoKey, gen: int, proc: subprocess.Popen[bytes]) -> None:
        code = proc.wait()
        time.sleep(0.1)  # let the pump thread drain the last lines (the traceback)
        self._set(key, gen, "RUNTIME_ERROR", f"Exit code: {code}. Reason: the application process exited")

    @staticmethod
    def _stop(proc: subprocess.Popen[bytes] | None, workdir: Path | None) -> None:
        if proc is not None:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(proc.pid, sig)
                except (ProcessLookupError, PermissionError):
                    break
                try:
                    proc.wait(timeout=5)
                    break
                except subprocess.TimeoutExpired:
                    continue
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)
            shutil.rmtree(workdir.parent / (workdir.name + "-home"), ignore_errors=True)
