"""Shared helpers of the benchmarks: machine summary, localhub, project copies, timed pulumi runs with
peak-memory sampling of the Python program, statistics and tables.

Benchmarks print figures; none is a test. Every script interleaves its contenders (A B A B ...) in one
run, after a warm-up, so that load from other processes on the machine hits all of them alike.
"""

from __future__ import annotations

import json
import os
import platform
import secrets
import shutil
import statistics
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from components.config import managed

REPO = Path(__file__).resolve().parents[1]
OWNER = "alice"
PROJECT_FILES = ("Pulumi.yaml", "__main__.py", "components", "templates")
PASSPHRASE = "bench-passphrase"
#: Secrets the demo stack sets (values are fake, long enough to be scanned for in the bundle).
DEMO_SECRETS = managed.example_values("secret", "bench-key-0000000000000000")


# --- machine ------------------------------------------------------------------------------------

def load_average() -> tuple[float, float, float]:
    return os.getloadavg()


def machine_summary() -> list[str]:
    """Lines describing the machine and the toolchain, for the head of every output."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = 0.0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    env = toolchain_env()
    pulumi_version = subprocess.run(["pulumi", "version"], env=env, capture_output=True, text=True,
                                    check=False).stdout.strip()
    py = REPO / ".venv" / "bin" / "python"
    versions = subprocess.run(
        [str(py), "-c", "import sys, pulumi, huggingface_hub as h; "
                        "print(sys.version.split()[0], h.__version__)"],
        capture_output=True, text=True, check=False).stdout.split()
    load = load_average()
    lines = [
        f"date: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}",
        f"machine: {platform.node()} | {cpu} | {os.cpu_count()} cores | {mem_gb:.1f} GB RAM | "
        f"{platform.system()} {platform.release()}",
        f"toolchain: pulumi {pulumi_version} (our Python language host) | Python {versions[0] if versions else '?'}"
        f" | huggingface_hub {versions[1] if len(versions) > 1 else '?'}",
        f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}",
    ]
    if load[0] > 1:
        lines.append("NOTE: the machine was shared (load average > 1): absolute times are inflated; the "
                     "contenders are interleaved, so the ratios stay fair.")
    return lines


def shared_note() -> str | None:
    load = load_average()[0]
    if load > 1:
        return f"NOTE: load average {load:.2f} > 1 at the end: the machine was shared during this run."
    return None


# --- statistics and tables ----------------------------------------------------------------------

@dataclass
class Series:
    """Samples of one measurement."""

    values: list[float] = field(default_factory=list)

    def add(self, value: float) -> None:
        self.values.append(value)

    @property
    def median(self) -> float:
        return statistics.median(self.values) if self.values else float("nan")

    @property
    def min(self) -> float:
        return min(self.values) if self.values else float("nan")

    @property
    def max(self) -> float:
        return max(self.values) if self.values else float("nan")

    def describe(self, unit: str = "s", digits: int = 2) -> str:
        return (f"{self.median:.{digits}f}{unit} (min {self.min:.{digits}f}, max {self.max:.{digits}f}, "
                f"n={len(self.values)})")


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A GitHub-flavoured Markdown table (readable as plain text too)."""
    rows = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    out = ["| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |",
           "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |" for row in rows]
    return "\n".join(out)


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def interleave(rounds: int, contenders: Sequence[tuple[str, Callable[[], Any]]], warmup: int = 1,
               on_result: Callable[[str, int, Any], None] | None = None) -> None:
    """Run the contenders A B A B ...: `warmup` rounds discarded (round index -1), then `rounds` rounds."""
    for r in range(-warmup, rounds):
        for name, fn in contenders:
            result = fn()
            if r >= 0 and on_result is not None:
                on_result(name, r, result)


# --- toolchain, localhub, projects -------------------------------------------------------------

_ENV_CACHE: dict[str, str] | None = None


def toolchain_env() -> dict[str, str]:
    """The environment scripts/pulumi-env.sh sets up (pulumi on PATH, offline, local)."""
    global _ENV_CACHE
    if _ENV_CACHE is None:
        out = subprocess.run(["bash", "-c", f". {REPO}/scripts/pulumi-env.sh && env -0"],
                             capture_output=True, check=True).stdout
        env = dict(item.split("=", 1) for item in out.decode().split("\0") if "=" in item)
        if not shutil.which("pulumi", path=env["PATH"]):
            raise SystemExit("pulumi is not installed: run `make setup` first")
        # A user's default: Python writes bytecode, so our modules load from __pycache__ after the first
        # run. This machine's environment sets PYTHONDONTWRITEBYTECODE, which made every timed run compile
        # the project's ~60 modules again (the empty program's SDK was byte-compiled by pip: not even).
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        _ENV_CACHE = env
    return dict(_ENV_CACHE)


@contextmanager
def localhub(data_dir: Path) -> Iterator[tuple[Any, str]]:
    """A localhub subprocess with one write token for OWNER; yields (handle, token)."""
    from localhub import serve

    token = f"hf_{secrets.token_hex(20)}"
    with serve(data_dir, tokens={token: OWNER}, commit_limit=100000) as handle:
        yield handle, token


def hub_stats(handle: Any) -> dict[str, Any]:
    result: dict[str, Any] = handle.stats()
    return result


def copy_project(dest: Path, backend: Path | None = None) -> Path:
    """This project's program (no stacks, no state) and a private copy of a backend (default: the example)."""
    dest.mkdir(parents=True)
    for name in PROJECT_FILES:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, dest / name)
    text = (dest / "Pulumi.yaml").read_text().replace("virtualenv: .venv", f"virtualenv: {REPO / '.venv'}")
    (dest / "Pulumi.yaml").write_text(text)
    shutil.copytree(backend or REPO / "examples" / "rag-backend", dest / "backend",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return dest


NOOP_PROGRAM = '''"""Pulumi's own cost of Python dynamic resources: as many as the demo stack has, doing nothing."""
import pulumi
from pulumi.dynamic import CreateResult, DiffResult, Resource, ResourceProvider


class Noop(ResourceProvider):
    def create(self, props):
        return CreateResult(f"id-{props['name']}", props)

    def diff(self, _id, olds, news):
        return DiffResult(changes=olds.get("value") != news.get("value"))


class Thing(Resource):
    def __init__(self, name, value):
        super().__init__(Noop(), name, {"name": name, "value": value})


for i in range(%d):
    Thing(f"thing-{i}", str(i))
'''


def noop_dynamic_project(dest: Path, resources: int) -> Path:
    """A Pulumi Python program with `resources` no-op dynamic resources (same runtime options)."""
    empty_project(dest)
    (dest / "__main__.py").write_text(NOOP_PROGRAM % resources)
    return dest


def empty_project(dest: Path) -> Path:
    """An empty Pulumi Python program with the same runtime options (pip toolchain, the same virtualenv)."""
    dest.mkdir(parents=True)
    (dest / "Pulumi.yaml").write_text(
        "name: bench-empty\nruntime:\n  name: python\n  options:\n    toolchain: pip\n"
        f"    virtualenv: {REPO / '.venv'}\n")
    (dest / "__main__.py").write_text('"""An empty Pulumi program."""\nimport pulumi  # noqa: F401\n')
    return dest


# --- pulumi runs --------------------------------------------------------------------------------

@dataclass
class RunResult:
    seconds: float
    returncode: int
    stdout: str
    stderr: str
    program_peak_kb: int = 0
    """Peak RSS (VmHWM) of the Python program process (`pulumi-language-python-exec`), 0 if not sampled."""
    provider_peak_kb: int = 0
    """Peak RSS of the dynamic provider process(es) (`python -m pulumi.dynamic`) of this project."""


class PeakSampler:
    """Samples the peak RSS of the program and provider processes of one project while a command runs.

    The language host starts the program (`python -u .../pulumi-language-python-exec ... --pwd WORKDIR`),
    so `/usr/bin/time` or `getrusage(RUSAGE_CHILDREN)` on `pulumi` cannot see it alone (the engine, the
    host and the providers are in the same tree). Instead we poll /proc every 20 ms for processes whose
    command line names the executor and whose --pwd is this project, and read their `VmHWM` (the
    kernel's high-water mark of resident memory): being a high-water mark, a sample taken any time
    before the process exits already includes every earlier peak, so only growth in the last <20 ms of
    the program's life could be missed. Dynamic providers (a command line running `pulumi.dynamic`, cwd =
    project) are sampled the same way and reported separately: the provider is the engine's child, not
    ours, so `RUSAGE_CHILDREN` never sees it (and it is killed, not waited for, at the end of a command).
    """

    def __init__(self, workdir: Path) -> None:
        self.workdir = str(workdir)
        self.program_kb = 0
        self.provider_kb = 0
        self._stop = threading.Event()
        self._known: dict[int, str] = {}  # pid -> "program" | "provider" | ""
        self._first_seen: dict[int, float] = {}
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _classify(self, pid: int) -> str:
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return ""
        words = [c.decode(errors="replace") for c in cmd]
        if any(w.endswith("pulumi-language-python-exec") for w in words) and self.workdir in words:
            return "program"
        # The toolchain starts the provider as `python -u -c "<parent watch>; runpy.run_module('pulumi.dynamic')"`
        # (toolchain/parent_watch.py): the module name is inside the -c code, not a word of its own.
        if any("pulumi.dynamic" in w for w in words):
            try:
                if os.readlink(f"/proc/{pid}/cwd") == self.workdir:
                    return "provider"
            except OSError:
                return ""
        return ""

    def _run(self) -> None:
        while not self._stop.is_set():
            for entry in os.scandir("/proc"):
                if not entry.name.isdigit():
                    continue
                pid = int(entry.name)
                kind = self._known.get(pid)
                # A new process shows its parent's command line until it execs (the provider also
                # starts as a shell script): keep re-reading an unrecognised one for its first 2 s.
                if kind is None or (not kind and time.monotonic() - self._first_seen[pid] < 2.0):
                    self._first_seen.setdefault(pid, time.monotonic())
                    kind = self._known[pid] = self._classify(pid)
                if not kind:
                    continue
                try:
                    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                        if line.startswith("VmHWM:"):
                            kb = int(line.split()[1])
                            if kind == "program":
                                self.program_kb = max(self.program_kb, kb)
                            else:
                                self.provider_kb = max(self.provider_kb, kb)
                            break
                except OSError:
                    self._known.pop(pid, None)
            self._stop.wait(0.02)


@dataclass
class Stack:
    """One stack of a project directory on its own file backend."""

    workdir: Path
    state_dir: Path
    name: str = "bench"
    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def create(cls, workdir: Path, state_dir: Path, name: str = "bench") -> Stack:
        env = toolchain_env()
        env.update(PULUMI_BACKEND_URL=f"file://{state_dir}", PULUMI_CONFIG_PASSPHRASE=PASSPHRASE,
                   PULUMI_SKIP_UPDATE_CHECK="true", PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true")
        env.pop("HF_TOKEN", None)
        state_dir.mkdir(parents=True, exist_ok=True)
        stack = cls(workdir, state_dir, name, env)
        stack.run("stack", "init")
        return stack

    def run(self, *args: str, stdin: str | None = None, sample: bool = False, check: bool = True,
            timeout: float = 1800) -> RunResult:
        argv = ["pulumi", *args, "--non-interactive", "--stack", self.name]
        sampler = PeakSampler(self.workdir) if sample else None
        start = time.perf_counter()
        if sampler:
            sampler.__enter__()
        try:
            proc = subprocess.run(argv, cwd=self.workdir, env=self.env, capture_output=True, text=True,
                                  timeout=timeout, input=stdin)
        finally:
            if sampler:
                sampler.__exit__()
        seconds = time.perf_counter() - start
        if check and proc.returncode != 0:
            raise RuntimeError(f"pulumi {' '.join(args)} failed ({proc.returncode}) in {self.workdir}:\n"
                               f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
        return RunResult(seconds, proc.returncode, proc.stdout, proc.stderr,
                         sampler.program_kb if sampler else 0, sampler.provider_kb if sampler else 0)

    def config_set(self, key: str, value: str, secret: bool = False) -> None:
        if secret:
            self.run("config", "set", "--secret", key, stdin=value)
        else:
            self.run("config", "set", "--plaintext", key, value)

    def config_set_many(self, values: dict[str, str]) -> None:
        """Plain values in one call (`pulumi config set-all`)."""
        args: list[str] = []
        for key, value in values.items():
            args += ["--plaintext", f"{key}={value}"]
        self.run("config", "set-all", *args)

    def preview(self, sample: bool = False) -> RunResult:
        return self.run("preview", "--diff", sample=sample)

    def up(self, sample: bool = False) -> RunResult:
        return self.run("up", "--yes", "--skip-preview", "--diff", sample=sample)

    def assert_no_change(self, result: RunResult) -> None:
        """A no-change run must report no step other than `same`."""
        text = result.stdout
        for marker in ("to create", "to update", "to delete", "to replace", " created", " updated",
                       " deleted", " replaced"):
            if marker in text:
                raise RuntimeError(f"expected no change in {self.workdir}, got:\n{text[-3000:]}")

    def state_file(self) -> Path:
        """The JSON checkpoint of this stack under the file backend (`.pulumi/stacks/<project>/<stack>.json`)."""
        found = sorted((self.state_dir / ".pulumi" / "stacks").rglob(f"{self.name}.json"))
        if not found:
            raise FileNotFoundError(f"no state file for {self.name} under {self.state_dir}")
        return found[0]

    def outputs(self) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(self.run("stack", "output", "--json").stdout)
        return result


def demo_stack(workdir: Path, state_dir: Path, endpoint: str, token: str, space: str,
               backend: Path | None = None, name: str = "bench") -> Stack:
    """A copy of the project with a backend (the example by default), healthCheck false, on localhub."""
    copy_project(workdir, backend)
    stack = Stack.create(workdir, state_dir, name)
    stack.config_set_many({"hfOwner": OWNER, "spaceName": space, "hubEndpoint": endpoint,
                           "backendDir": "backend", "frontendUrl": "https://my-app.example.com",
                           "healthCheck": "false"})
    stack.config_set("hfToken", token, secret=True)
    args: list[str] = []
    for key, value in DEMO_SECRETS.items():
        args += ["--secret", f"{key}={value}"]
    stack.run("config", "set-all", *args)
    return stack


def empty_stack(workdir: Path, state_dir: Path, name: str = "bench") -> Stack:
    empty_project(workdir)
    return Stack.create(workdir, state_dir, name)


if __name__ == "__main__":
    print("\n".join(machine_summary()))
