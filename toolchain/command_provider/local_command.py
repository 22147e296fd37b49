"""Running one local command the way pulumi-command's `local` package does (`commandOutputs.go`, v1.2.1).

- argv = `interpreter` (default `["/bin/sh", "-c"]`) + [command];
- cwd = `dir`, else the provider's working directory (the engine starts it in the program directory);
- env = the provider's environment + `environment` + (unless `addPreviousOutputInEnv` is false)
  `PULUMI_COMMAND_STDOUT` / `PULUMI_COMMAND_STDERR` with the previous outputs, when non-empty;
- stdin = `stdin` when non-empty, else nothing (/dev/null);
- stdout and stderr are captured separately, each with one trailing newline removed; the streams
  selected by `logging` (default both) are sent line by line to the engine log;
- a non-zero exit fails with `exit status N: running "CMD":\\n<interleaved stdout+stderr>`;
- afterwards `assetPaths` / `archivePaths` globs are matched against the files under the directory.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .values import ARCHIVE_SIG, ASSET_SIG, SIG_KEY

LOGGING_VALUES = ("stdout", "stderr", "stdoutAndStderr", "none")
DEFAULT_INTERPRETER = ("/bin/sh", "-c")

Logger = Callable[[str], None]


class CommandError(Exception):
    """The command could not be started or exited unsuccessfully. `status` says how, without the command
    line or its output (Go's exit text such as `exit status 3`, or the OS error's class)."""

    def __init__(self, message: str, status: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class CommandSpec:
    """How to run commands: the `BaseInputs` + `logging` of a Command resource or `run` invoke."""

    interpreter: tuple[str, ...] = ()
    dir: str | None = None
    environment: dict[str, str] = field(default_factory=dict)
    stdin: str | None = None
    asset_paths: tuple[str, ...] | None = None
    archive_paths: tuple[str, ...] | None = None
    add_previous_output_in_env: bool = True
    logging: str | None = None

    @classmethod
    def from_inputs(cls, inputs: dict[str, Any]) -> CommandSpec:
        """Build from plain (already unwrapped, checked) wire inputs."""
        def strings(name: str) -> tuple[str, ...] | None:
            value = inputs.get(name)
            return None if value is None else tuple(str(v) for v in value)

        environment = inputs.get("environment") or {}
        add_previous = inputs.get("addPreviousOutputInEnv")
        return cls(
            interpreter=strings("interpreter") or (),
            dir=inputs.get("dir"),
            environment={str(k): str(v) for k, v in environment.items()},
            stdin=inputs.get("stdin"),
            asset_paths=strings("assetPaths"),
            archive_paths=strings("archivePaths"),
            add_previous_output_in_env=add_previous is None or bool(add_previous),
            logging=inputs.get("logging"),
        )

    def logs_stdout(self) -> bool:
        """Whether stdout goes to the engine log (`Logging.ShouldLogStdout`)."""
        return self.logging in (None, "stdout", "stdoutAndStderr")

    def logs_stderr(self) -> bool:
        """Whether stderr goes to the engine log (`Logging.ShouldLogStderr`)."""
        return self.logging in (None, "stderr", "stdoutAndStderr")


@dataclass
class CommandResult:
    """What a successful run produces (`BaseOutputs`)."""

    stdout: str
    stderr: str
    assets: dict[str, Any] | None = None
    archive: dict[str, Any] | None = None


class ProcessRegistry:
    """The running child processes, so `Cancel` (engine shutdown) can stop them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._procs: set[subprocess.Popen[bytes]] = set()

    def add(self, proc: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._procs.add(proc)

    def discard(self, proc: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._procs.discard(proc)

    def kill_all(self) -> None:
        with self._lock:
            procs = list(self._procs)
        for proc in procs:
            _kill(proc)


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """Kill the child's whole process group (it was started in a new session)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()


def _environment(spec: CommandSpec, previous: CommandResult | None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(spec.environment)
    if spec.add_previous_output_in_env and previous is not None:
        if previous.stdout:
            env["PULUMI_COMMAND_STDOUT"] = previous.stdout
        if previous.stderr:
            env["PULUMI_COMMAND_STDERR"] = previous.stderr
    return env


def _pump(stream: IO[bytes], own: list[str], combined: list[str], lock: threading.Lock,
          log: Logger | None) -> None:
    """Copy one output stream into its buffer and the interleaved buffer, logging lines if asked."""
    for raw in iter(stream.readline, b""):
        text = raw.decode("utf-8", errors="replace")
        with lock:
            own.append(text)
            combined.append(text)
        if log is not None:
            log(text.rstrip("\n"))
    stream.close()


def _exit_description(returncode: int) -> str:
    """Go's `*exec.ExitError` text."""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name.removeprefix("SIG").lower()
        except ValueError:
            name = str(-returncode)
        names = {"kill": "killed", "term": "terminated", "int": "interrupt", "hup": "hangup"}
        return f"signal: {names.get(name, name)}"
    return f"exit status {returncode}"


def run(command: str, spec: CommandSpec, *, previous: CommandResult | None = None,
        log: Logger | None = None, timeout: float | None = None,
        registry: ProcessRegistry | None = None) -> CommandResult:
    """Run `command` per `spec`; raise CommandError on failure (message as the Go provider's)."""
    argv = [*(spec.interpreter or DEFAULT_INTERPRETER), command]
    cwd = spec.dir if spec.dir is not None else os.getcwd()
    try:
        proc = subprocess.Popen(
            argv, cwd=cwd, env=_environment(spec, previous),
            stdin=subprocess.PIPE if spec.stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
        )
    except OSError as err:
        raise CommandError(f"{err}: running {json.dumps(command)}:\n", type(err).__name__) from err
    if registry is not None:
        registry.add(proc)
    lock = threading.Lock()
    out: list[str] = []
    err_lines: list[str] = []
    combined: list[str] = []
    assert proc.stdout is not None and proc.stderr is not None
    pumps = [
        threading.Thread(target=_pump, args=(proc.stdout, out, combined, lock,
                                             log if spec.logs_stdout() else None), daemon=True),
        threading.Thread(target=_pump, args=(proc.stderr, err_lines, combined, lock,
                                             log if spec.logs_stderr() else None), daemon=True),
    ]
    for pump in pumps:
        pump.start()
    try:
        if spec.stdin and proc.stdin is not None:
            try:
                proc.stdin.write(spec.stdin.encode())
            except BrokenPipeError:
                pass
            finally:
                proc.stdin.close()
        try:
            returncode = proc.wait(timeout=timeout or None)
        except subprocess.TimeoutExpired:
            _kill(proc)
            returncode = proc.wait()
        for pump in pumps:
            pump.join()
    finally:
        if registry is not None:
            registry.discard(proc)
    if returncode != 0:
        raise CommandError(f"{_exit_description(returncode)}: running {json.dumps(command)}:\n"
                           f"{''.join(combined)}", _exit_description(returncode))
    result = CommandResult(stdout="".join(out).removesuffix("\n"),
                           stderr="".join(err_lines).removesuffix("\n"))
    if spec.asset_paths is not None:
        result.assets = glob_assets(cwd, spec.asset_paths)
    if spec.archive_paths is not None:
        result.archive = archive_of(glob_assets(cwd, spec.archive_paths))
    return result


# --- assetPaths / archivePaths -------------------------------------------------------------------

def glob_to_regex(pattern: str) -> re.Pattern[str]:
    """A github.com/gobwas/glob pattern (separator `/`) as a regular expression.

    `*` matches within one path segment, `**` across segments, `?` one non-separator character,
    `[abc]`/`[!abc]`/`[a-z]` character classes, `{a,b}` alternatives, `\\` escapes.
    """
    out: list[str] = []
    depth = 0
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "*":
            if pattern.startswith("**", i):
                out.append(".*")
                i += 2
                continue
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                out.append(re.escape(char))
            else:
                body = pattern[i + 1:end]
                negate = body.startswith("!")
                body = body[1:] if negate else body
                escaped = "".join("\\" + c if c in "\\^]" else c for c in body)
                out.append(f"[^{escaped}/]" if negate else f"[{escaped}]")
                i = end
        elif char == "{":
            depth += 1
            out.append("(?:")
        elif char == "}" and depth:
            depth -= 1
            out.append(")")
        elif char == "," and depth:
            out.append("|")
        elif char == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out), re.DOTALL)


def _files(root: str) -> Iterator[str]:
    """Relative `/`-separated paths of the regular files under root, in lexical walk order."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        rel = os.path.relpath(dirpath, root)
        for name in sorted(filenames):
            yield name if rel == "." else f"{rel.replace(os.sep, '/')}/{name}"


def glob_assets(root: str, globs: tuple[str, ...]) -> dict[str, Any]:
    """`globAssets`: files under root matched by the rules (later `!` rules exclude), as path assets."""
    rules = [(g.startswith("!"), glob_to_regex(g.removeprefix("!"))) for g in globs]
    assets: dict[str, Any] = {}
    for rel in _files(root):
        for exclude, regex in rules:
            if not regex.fullmatch(rel):
                continue
            if exclude:
                assets.pop(rel, None)
            else:
                path = str(Path(root) / rel)
                digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
                assets[rel] = {SIG_KEY: ASSET_SIG, "path": path, "hash": digest}
    return assets


def archive_of(assets: dict[str, Any]) -> dict[str, Any]:
    """An asset archive holding `assets`. Its hash is our own (sha256 over names and asset hashes),
    not the Go SDK's tar-based hash: stable across runs, but not byte-identical to the real provider's."""
    digest = hashlib.sha256()
    for name in sorted(assets):
        digest.update(f"{name}\0{assets[name]['hash']}\0".encode())
    return {SIG_KEY: ARCHIVE_SIG, "assets": assets, "hash": digest.hexdigest()}
