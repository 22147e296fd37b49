"""Resilience end to end: the real pulumi CLI against localhub with injected faults, killed runs,
hand edits, concurrent runs and a Hub restart. Every scenario ends with the remote Space compared file
by file (git blob ids) and key by key (secret values read from localhub's data dir, variable values)
with what the stack wants, and a search for the canary secret values in everything the CLI printed,
the state export and the stack file. A summary table is printed at the end of the module."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest

from components.config import managed
from components.rules.ownership import MARKER_VARIABLE
from components.space_files import paths_map
from tests.blobs import git_blob_id
from tests.e2e.conftest import OWNER, Hub
from tests.e2e.pulumi_cli import REPO, Stack
from tests.e2e.test_deploy import SPACE, canaries, configure_secrets

pytestmark = pytest.mark.e2e

#: Config key -> Space secret name (components/config/managed.py).
SECRET_KEYS = {row.key: row.name for row in managed.rows("secret")}
#: Space variable name -> the value this test's stack gives it (Pulumi.yaml defaults, the test frontendUrl), by
#: config key: a row added to the table without a value here fails with a KeyError.
_VARIABLE_VALUES = {"allowedOrigins": "https://my-app.example.com", "logLevel": "INFO", "qdrantCollection": "documents"}
VARIABLES = {row.name: _VARIABLE_VALUES[row.key] for row in managed.rows("variable")}
LOCKED = "the stack is currently locked by 1 lock(s)"
REPORT: list[dict[str, Any]] = []


@pytest.fixture(scope="module", autouse=True)
def _report(request: pytest.FixtureRequest) -> Iterator[None]:
    """Print the resilience table at the end of the module, whatever `-s` says."""
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None or not REPORT:
        return
    lines = ["", "| scenario | faults injected | runs | ok first try | ok after one re-run | data lost | "
             "secrets leaked |", "|---|---|---|---|---|---|---|"]
    lines += [f"| {r['scenario']} | {r['faults']} | {r['runs']} | {r['first']} | {r['rerun']} | {r['lost']} | "
              f"{r['leaked']} |" for r in REPORT]
    with capture.global_and_fixture_disabled():
        for line in lines:
            reporter.write_line(line)


# --- helpers -------------------------------------------------------------------------------------

def admin_get(hub: Hub, path: str) -> Any:
    response = httpx.get(f"{hub.endpoint}/_localhub/{path}",
                         headers={"Authorization": f"Bearer {hub.handle.admin_token}"}, timeout=10)
    response.raise_for_status()
    return response.json()


def held(hub: Hub) -> int:
    return int(admin_get(hub, "faults").get("held", 0))


def start_up(stack: Stack) -> subprocess.Popen[str]:
    """`pulumi up` in the background, in its own process group (so a kill takes its plugins with it)."""
    return subprocess.Popen(["pulumi", "up", "--yes", "--skip-preview", "--non-interactive", "--stack", stack.name],
                            cwd=stack.workdir, env=stack.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)


def wait_held(hub: Hub, proc: subprocess.Popen[str], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while held(hub) < 1:
        assert proc.poll() is None, f"pulumi up ended before the held request: {proc.communicate()[0][-3000:]}"
        assert time.monotonic() < deadline, "the held request never arrived"
        time.sleep(0.05)


def handled(hub: Hub, route: str) -> int:
    """Requests localhub has finished handling on `route`, a fault-route glob such as
    "POST /api/spaces/*/commit/*" (localhub counts a request under its route template, e.g.
    "POST /api/{repo_type}s/{repo_id}/commit/{revision}", once its answer is sent)."""
    example = route.replace("*", "x")
    requests: dict[str, int] = hub.stats()["requests"]
    return sum(n for template, n in requests.items()
               if re.fullmatch(re.sub(r"\\\{[^}]+\\\}", ".+", re.escape(template)), example))


def wait_handled(hub: Hub, route: str, before: int, timeout: float = 60) -> None:
    """Wait until every request held on `route` has been handled, answered to a client that may be gone
    (`before`: `handled(hub, route)` when the faults were set)."""
    deadline = time.monotonic() + timeout
    while handled(hub, route) - before < held(hub):
        assert time.monotonic() < deadline, f"held requests on {route} were never handled: {hub.stats()['requests']}"
        time.sleep(0.05)


def finish(stack: Stack, proc: subprocess.Popen[str], timeout: float = 300) -> str:
    out = proc.communicate(timeout=timeout)[0]
    stack.transcript.append(f"$ pulumi up (background, rc={proc.returncode})\n{out}")
    return out


def deploy_commits(hub: Hub, space: str = SPACE) -> int:
    """Commits in the Space's history after the Hub's initial one (survives a localhub restart)."""
    return len(list(hub.api().list_repo_commits(space, repo_type="space"))) - 1


def remote_tree(hub: Hub, space: str = SPACE) -> dict[str, str]:
    entries = hub.api().list_repo_tree(space, repo_type="space", recursive=True)
    return {e.path: e.blob_id for e in entries if hasattr(e, "blob_id") and e.path != ".gitattributes"}


def hub_repo_meta(hub: Hub, space: str = SPACE) -> dict[str, Any]:
    """localhub's stored metadata of the Space (it keeps secret values in plain text: white-box check)."""
    meta: dict[str, Any] = json.loads((hub.handle.data_dir / "repos" / "space" / space / "repo.json").read_text())
    return meta


def differences(stack: Stack, hub: Hub, secrets: dict[str, str], space: str = SPACE) -> list[str]:
    """Everything in which the remote Space differs from what the stack wants (empty: converged)."""
    problems: list[str] = []
    files = stack.resources(":SpaceFiles")
    if len(files) != 1:
        return [f"{len(files)} SpaceFiles resources in state"]
    state = files[0]["outputs"]
    staged = stack.workdir / state["blob_dir"]  # relative to the project: no machine path in state
    manifest = paths_map(state["manifest"])
    wanted = {path: git_blob_id((staged / digest).read_bytes()) for path, digest in manifest.items()}
    if paths_map(state.get("blob_ids")) != wanted:
        problems.append("state blob_ids differ from the staged manifest")
    backend_main = stack.workdir / "backend" / "app" / "main.py"
    if wanted.get("app/main.py") != git_blob_id(backend_main.read_bytes()):
        problems.append("the manifest does not hold the local app/main.py")
    remote = remote_tree(hub, space)
    problems += [f"file {p}: remote {remote.get(p)} != wanted {wanted.get(p)}"
                 for p in sorted(set(remote) | set(wanted)) if remote.get(p) != wanted.get(p)]
    meta = hub_repo_meta(hub, space)
    remote_secrets = {k: v["value"] for k, v in (meta.get("secrets") or {}).items()}
    wanted_secrets = {SECRET_KEYS[k]: v for k, v in secrets.items()}
    problems += [f"secret {k}: {'wrong value' if k in remote_secrets else 'missing'}"
                 for k in wanted_secrets if remote_secrets.get(k) != wanted_secrets[k]]
    problems += [f"secret {k}: not wanted (orphan)" for k in remote_secrets if k not in wanted_secrets]
    remote_vars = {k: v["value"] for k, v in (meta.get("variables") or {}).items()}
    if not remote_vars.pop(MARKER_VARIABLE, "").startswith("hf-rag-space/"):
        problems.append(f"no ownership marker {MARKER_VARIABLE}")
    if remote_vars != VARIABLES:
        problems.append(f"variables {remote_vars} != {VARIABLES}")
    if meta.get("private"):
        problems.append("the Space is private")
    return problems


def leaks(stack: Stack, secrets: dict[str, str], hub: Hub) -> int:
    """How many (value, place) pairs show a canary secret or the token in plain text."""
    places = [stack.everything_printed(), json.dumps(stack.export()),
              *(p.read_text() for p in stack.workdir.glob("Pulumi.*.yaml"))]
    return sum(value in place for value in [*secrets.values(), hub.token] for place in places)


def clear_failure(output: str) -> bool:
    """A failed run names the problem without a Python traceback."""
    return "error:" in output and "Traceback" not in output


def record(scenario: str, hub: Hub, faults: int, runs: int, first: str, rerun: str, stack: Stack,
           secrets: dict[str, str], space: str = SPACE) -> list[str]:
    """One row of the table: `first` / `rerun` say whether the first run / one re-run succeeded."""
    problems = differences(stack, hub, secrets, space)
    leaked = leaks(stack, secrets, hub)
    REPORT.append({"scenario": scenario, "faults": faults, "runs": runs, "first": first, "rerun": rerun,
                   "lost": len(problems), "leaked": leaked})
    assert leaked == 0
    return problems


def yes_no(ok: bool) -> str:
    return "yes" if ok else "no"


def kill_while_held(stack: Stack, hub: Hub, route: str, signum: signal.Signals = signal.SIGKILL) -> str:
    """Start `pulumi up`, hold `route` at localhub for 3 s, signal the CLI while the request is held, and
    wait until localhub has handled it anyway (so it lands after the signal). Returns the CLI's output."""
    hub.handle.set_faults(delay_seconds=3, routes=[route])
    before = handled(hub, route)
    proc = start_up(stack)
    wait_held(hub, proc)
    if signum == signal.SIGKILL:
        # A crash: the CLI's process group. The engine starts each plugin in a process group of its own
        # (Setpgid), so the language host, program and providers are orphaned, not killed: they exit
        # by themselves (toolchain/parent_watch.py, provider_base.exit_when_engine_gone; callers check it).
        os.killpg(proc.pid, signal.SIGKILL)
    else:
        proc.send_signal(signal.SIGINT)  # Ctrl-C: the CLI cancels and lets running operations finish
    out = finish(stack, proc)
    wait_handled(hub, route, before)
    hub.handle.clear_faults()
    if signum == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL, (proc.returncode, out[-2000:])
    else:
        assert proc.returncode != 0, out[-2000:]
    return out


def restore_state(stack: Stack) -> None:
    """README's recipe for a state file the kill left torn: scripts/restore-state.sh (backup copy, import)."""
    restore = subprocess.run(["bash", str(REPO / "scripts" / "restore-state.sh"), stack.name], cwd=stack.workdir,
                             env=stack.env, capture_output=True, text=True, timeout=120)
    stack.transcript.append(f"$ scripts/restore-state.sh\n{restore.stdout}\n{restore.stderr}")
    assert restore.returncode == 0, restore.stdout + restore.stderr


def recover_after_kill(stack: Stack, refresh: bool = True, cancel: bool = True) -> bool:
    """What README.md's "Interrupted runs" tells a user to run after a killed `pulumi up`.

    A SIGKILL can land while the CLI writes its checkpoint (seen under load): `pulumi cancel` then fails
    with `failed to load checkpoint`, and README's row for exactly that applies (restore-state.sh, refresh,
    up). Any other cancel failure fails the test. Returns whether the state file was torn, so the caller
    names it in the report instead of passing silently."""
    torn = False
    if cancel:
        result = stack.run("cancel", "--yes", check=False)  # the file backend keeps the dead run's lock
        if result.returncode != 0:
            assert "failed to load checkpoint" in result.stdout + result.stderr, result
            restore_state(stack)
            torn = True
    if refresh or torn:
        stack.run("refresh", "--yes", "--skip-preview", "--clear-pending-creates")
    result = stack.up()
    assert "pending operations" not in result.stdout + result.stderr or not (refresh or torn)
    return torn


def torn_note(torn: bool) -> str:
    """Suffix of a report row whose kill left the state file torn."""
    return " (the kill tore the state file: restore-state.sh first)" if torn else ""


def edit_backend(stack: Stack, tag: str) -> None:
    main_py = stack.workdir / "backend" / "app" / "main.py"
    main_py.write_text(main_py.read_text() + f"\n# {tag}\n")


# --- 1. random 5xx / 429 on every route ----------------------------------------------------------

#: The commit path and the reads its re-plan makes: space_info, tree, validate-yaml, preupload, commit.
COMMIT_PATH = ["GET /api/spaces/*", "GET /api/spaces/*/tree/*", "POST /api/validate-yaml",
               "POST /api/spaces/*/preupload/*", "POST /api/spaces/*/commit/*"]
FAULT_CASES = {
    # id: (rate, routes, seed, after)
    "seed11": (0.2, ["*"], 11, False),
    "seed12": (0.2, ["*"], 12, False),
    "seed21-after": (0.2, ["*"], 21, True),
    "commit-path-30pct-seed7": (0.3, COMMIT_PATH, 7, False),
}


@pytest.mark.parametrize("case", list(FAULT_CASES))
def test_up_under_injected_faults(project: Stack, hub: Hub, case: str) -> None:
    """20% of every request fails (5xx and 429 with Retry-After; `after`: 5xx answered AFTER the request
    took effect, so the client cannot know the outcome); or 30% of the commit path. First deploy, then
    an update of one file, a deleted file and a rotated secret: each converges with one commit per change."""
    rate, routes, seed, after = FAULT_CASES[case]
    secrets = canaries()
    configure_secrets(project, secrets)
    statuses = [500, 502, 503] if after else [500, 502, 503, 429]
    runs, first_ok, faults = 0, True, 0
    for phase in ("deploy", "update"):
        if phase == "update":
            edit_backend(project, f"phase-{seed}")
            (project.workdir / "backend" / "app" / "models" / "schemas.py").unlink()
            secrets["geminiApiKey"] = f"{secrets['geminiApiKey']}-rotated"
            project.config_set("geminiApiKey", secrets["geminiApiKey"], secret=True)
        hub.handle.set_faults(rate=rate, statuses=statuses, routes=routes, retry_after=1,
                              seed=seed if phase == "deploy" else seed + 100, after=after)
        result = project.up(check=False)
        runs += 1
        if result.returncode != 0:
            first_ok = False
            assert clear_failure(result.stdout + result.stderr), result.stdout[-3000:] + result.stderr[-3000:]
            result = project.up(check=False)
            runs += 1
            assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        faults += hub.stats()["faults_injected"]
        hub.handle.clear_faults()
        hub.reset_stats()
        assert deploy_commits(hub) == (1 if phase == "deploy" else 2), phase
    assert faults > 0
    where = "every route" if routes == ["*"] else "the commit path (space_info, tree, validate-yaml, preupload, commit)"
    problems = record(f"{rate:.0%} {'/'.join(map(str, statuses))}{' after handling' if after else ''} on {where}, "
                      f"seed {seed} (deploy + update)", hub, faults, runs, yes_no(first_ok),
                      "n/a" if first_ok else "yes", project, secrets)
    assert problems == []


def test_each_retry_is_shown_in_the_cli_naming_the_call_the_cause_and_the_wait(project: Stack, hub: Hub) -> None:
    """Two 503s on the Space read: `up` succeeds, and the CLI shows both retries (components/retry.py through
    components/log_bridge.py), redacted, never on the provider's stderr a second time."""
    secrets = canaries()
    configure_secrets(project, secrets)
    hub.handle.set_faults(next=2, statuses=[503], routes=["GET /api/spaces/*"])
    result = project.up()
    printed = result.stdout + result.stderr
    hub.handle.clear_faults()
    for number in (1, 2):
        shown = (rf"Reading Space {SPACE}: the Hub answered 503\. The Hub said: localhub injected fault: HTTP 503 "
                 rf"\(Hub request id: [0-9a-f-]+\); retry {number} in \d+\.\d s")
        assert len(re.findall(shown, printed)) == 1, printed[-3000:]
    assert "components.retry" not in printed  # the bridge's line, not the stderr handler's copy
    problems = record("two 503s on the Space read: retried, each retry shown", hub, 2, 1, "yes", "n/a", project,
                      secrets)
    assert problems == []


# --- 2. the commit quota -------------------------------------------------------------------------

def test_commit_quota_429_says_how_long_to_wait_and_a_rerun_finishes(project: Stack, hub: Hub) -> None:
    secrets = canaries()
    configure_secrets(project, secrets)
    hub.handle.configure(commit_limit=1)
    project.up()
    edit_backend(project, "after the quota")
    start = time.monotonic()
    result = project.up(check=False)
    printed = result.stdout + result.stderr
    assert result.returncode != 0 and time.monotonic() - start < 60  # fails fast, does not sleep an hour
    assert "rate limited by the Hub (429): wait about 60 min (until" in printed, printed[-3000:]
    assert "then run `pulumi up` again" in printed and clear_failure(printed)
    assert deploy_commits(hub) == 1
    hub.handle.configure(reset_commit_counts=True)  # the hour has passed
    project.up()
    assert deploy_commits(hub) == 2
    problems = record("commit quota (commit_limit=1): 429 on the 2nd deploy, re-run after the wait", hub, 1, 3,
                      "no (429, by design)", "yes", project, secrets)
    assert problems == []


# --- 3. killed runs ------------------------------------------------------------------------------

KILL_POINTS = {
    # name: (route held while the CLI is killed, signal, run the full recovery recipe?)
    "space-create": ("POST /api/repos/create", signal.SIGKILL, True),
    "first-secret": ("POST /api/spaces/*/secrets", signal.SIGKILL, True),
    "preupload": ("POST /api/spaces/*/preupload/*", signal.SIGKILL, True),
    "commit": ("POST /api/spaces/*/commit/*", signal.SIGKILL, True),
    "commit-no-refresh": ("POST /api/spaces/*/commit/*", signal.SIGKILL, False),
    "secret-sigint": ("POST /api/spaces/*/secrets", signal.SIGINT, False),
}


def _space_exists(hub: Hub) -> bool:
    return (hub.handle.data_dir / "repos" / "space" / SPACE / "repo.json").is_file()


#: What the held request left on the Hub once handled after the kill, checked before the re-run (so
#: the re-run is shown to converge from that, not from a Hub the killed request never reached).
LANDED: dict[str, Callable[[Hub], bool]] = {
    "space-create": _space_exists,
    "first-secret": lambda hub: _space_exists(hub) and len(hub_repo_meta(hub).get("secrets") or {}) >= 1,
    "preupload": lambda hub: deploy_commits(hub) == 0,  # a read-only call: nothing committed yet
    "commit": lambda hub: deploy_commits(hub) == 1,
    "commit-no-refresh": lambda hub: deploy_commits(hub) == 1,
    "secret-sigint": lambda hub: len(hub_repo_meta(hub).get("secrets") or {}) >= 1,
}


#: Pulumi's own compiled plugins, where Pulumi's toolchain is installed instead of toolchain/'s: they see a
#: killed engine only at their health check, every 5 minutes (sdk/go/common/util/rpcutil/health.go,
#: `Healthcheck`), as README.md "Upstream toolchain" says with the command that stops them.
PULUMI_COMPILED_PLUGINS = frozenset({"pulumi-language-python", "pulumi-resource-command"})


def leftover_processes(workdir: Path) -> dict[int, str]:
    """Processes still running in or for `workdir` (plugins of a killed CLI), except this test's own:
    pid -> "<executable name>: <command line>"."""
    found = {}
    for proc_dir in Path("/proc").iterdir():
        if not proc_dir.name.isdigit() or int(proc_dir.name) == os.getpid():
            continue
        try:
            cmdline = (proc_dir / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            cwd = os.readlink(proc_dir / "cwd")
            exe = Path(os.readlink(proc_dir / "exe")).name
            state = (proc_dir / "stat").read_text().split()[2]
        except OSError:
            continue
        if state != "Z" and (str(workdir) in cmdline or cwd.startswith(str(workdir))):
            found[int(proc_dir.name)] = f"{exe}: {cmdline[:160]}"
    return found


def assert_no_leftover_processes(workdir: Path, within: float = 10.0) -> None:
    """The killed CLI's plugins that run our code exit by themselves: with toolchain/ all of them
    (parent_watch.py); with Pulumi's, the program (program.end_quietly_when_interrupted, once its host
    signals it) and the dynamic provider (provider_base.exit_when_engine_gone). Pulumi's compiled plugins
    are then stopped here, by pid."""
    def ours() -> dict[int, str]:
        return {pid: what for pid, what in leftover_processes(workdir).items()
                if what.split(":", 1)[0] not in PULUMI_COMPILED_PLUGINS}

    deadline = time.monotonic() + within
    while (left := ours()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert left == {}, left
    for pid in leftover_processes(workdir):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_killed_up_converges_on_rerun(project: Stack, hub: Hub, point: str) -> None:
    """The CLI is killed while a request is in flight at localhub (held 3 s, then handled anyway, so it
    lands after the kill: checked). The re-run converges with no second commit."""
    route, signum, full_recipe = KILL_POINTS[point]
    secrets = canaries()
    configure_secrets(project, secrets)
    out = kill_while_held(project, hub, route, signum)
    assert LANDED[point](hub), f"the held request left no trace on the Hub: {hub.stats()['requests']}"
    assert_no_leftover_processes(project.workdir.resolve())
    if signum == signal.SIGINT:
        project.up()  # a cancelled run leaves no lock and no pending operation
        assert "pending operations" not in project.transcript[-1]
    else:
        torn = recover_after_kill(project, refresh=full_recipe)
    assert deploy_commits(hub) == 1, out[-2000:]
    recipe = "up" if signum == signal.SIGINT else ("cancel, refresh --clear-pending-creates, up" if full_recipe
                                                   else "cancel, up")
    if signum == signal.SIGKILL:
        recipe += torn_note(torn)
    problems = record(f"{signum.name} of the CLI while `{route}` is in flight; then {recipe}", hub, 0, 2,
                      "killed", "yes", project, secrets)
    assert problems == []


def test_killed_update_mid_commit_converges(project: Stack, hub: Hub) -> None:
    """An update (one file edited, one deleted, a secret rotated) killed while its commit is in flight."""
    secrets = canaries()
    configure_secrets(project, secrets)
    project.up()
    edit_backend(project, "killed update")
    (project.workdir / "backend" / "app" / "models" / "schemas.py").unlink()
    secrets["qdrantApiKey"] = f"{secrets['qdrantApiKey']}-rotated"
    project.config_set("qdrantApiKey", secrets["qdrantApiKey"], secret=True)
    kill_while_held(project, hub, COMMIT)
    assert deploy_commits(hub) == 2  # the killed run's commit landed after the kill
    assert_no_leftover_processes(project.workdir.resolve())
    torn = recover_after_kill(project)
    assert deploy_commits(hub) == 2
    assert "app/models/schemas.py" not in remote_tree(hub)
    problems = record("SIGKILL of an update (edit, delete, rotate) while its commit is in flight" + torn_note(torn),
                      hub, 0, 3,
                      "killed", "yes", project, secrets)
    assert problems == []


COMMIT = "POST /api/spaces/*/commit/*"


def test_killed_up_with_truncated_state_file_is_restored_from_the_backup(project: Stack, hub: Hub,
                                                                         tmp_path: Path) -> None:
    """A kill that leaves the stack's state file truncated (seen once under load: `pulumi cancel` then
    said `failed to load checkpoint: EOF`). README's recipe: scripts/restore-state.sh (the file backend's
    `<stack>.json.bak` through `pulumi stack import`), then cancel, refresh, up: it converges."""
    secrets = canaries()
    configure_secrets(project, secrets)
    project.up()
    edit_backend(project, "truncated state")
    kill_while_held(project, hub, COMMIT)
    state_file = tmp_path / "state" / ".pulumi" / "stacks" / "hf-rag-space" / f"{project.name}.json"
    assert state_file.with_suffix(".json.bak").stat().st_size > 0
    state_file.write_bytes(b"")  # the torn write
    broken = project.run("stack", "export", check=False)  # every command that reads the state fails so
    assert broken.returncode != 0 and "failed to load checkpoint" in broken.stdout + broken.stderr, broken
    restore_state(project)
    recover_after_kill(project, cancel=False)  # restore-state.sh removed the lock
    assert deploy_commits(hub) == 2  # the commit that landed after the kill is not sent again
    problems = record("SIGKILL of an update mid-commit, state file then truncated; restore-state.sh, cancel, "
                      "refresh, up", hub, 0, 3, "killed", "yes", project, secrets)
    assert problems == []


# --- 4. drift ------------------------------------------------------------------------------------

def test_drift_secret_deleted_file_edited_visibility_flipped(project: Stack, hub: Hub) -> None:
    secrets = canaries()
    configure_secrets(project, secrets)
    project.up()
    api = hub.api()
    from huggingface_hub import CommitOperationAdd

    api.create_commit(SPACE, [CommitOperationAdd("app/main.py", b"print('hacked')\n"),
                              CommitOperationAdd("stray.txt", b"added by hand\n")],
                      commit_message="hand edit", repo_type="space")
    api.delete_space_secret(SPACE, "QDRANT_API_KEY")
    api.update_repo_settings(SPACE, private=True, repo_type="space")
    refreshed = project.run("refresh", "--yes", "--skip-preview", "--diff")
    printed = refreshed.stdout
    # What refresh shows: the secret is gone from the Hub (so from state), visibility and files differ
    # (each drifted path shows as `remote:<blob id on the Hub>`, so the next `up` rewrites it).
    secret_gone = re.search(r"- pulumi-python:dynamic/hf:SpaceSecret: \(delete\)\s+"
                            r"\[id=alice/rag-chatbot/QDRANT_API_KEY\]", printed)
    assert secret_gone, printed[-6000:]
    assert re.search(r"~ pulumi-python:dynamic/hf:Space: \(update\)", printed)
    assert re.search(r"~ private\s*: false => true", printed)
    assert re.search(r"~ pulumi-python:dynamic/hf:SpaceFiles: \(update\)", printed)
    assert re.search(r'~ app/main.py\s*: "[0-9a-f]{64}" => "remote:[0-9a-f]{40}"', printed)
    assert re.search(r'\+ stray.txt\s*: "remote:[0-9a-f]{40}"', printed)
    assert "QDRANT_URL" not in printed or secrets["qdrantUrl"] not in printed
    assert project.plan() == {"rag-secret-qdrant-api-key": "create", "rag-files": "update", "rag-space": "update"}
    project.up()
    assert differences(project, hub, secrets) == []
    assert project.plan() == {}
    problems = record("drift: file edited + file added + secret deleted + made private by hand; refresh, up",
                      hub, 0, 2, "yes", "n/a", project, secrets)
    assert problems == []


# --- 5. concurrency ------------------------------------------------------------------------------

def test_two_stacks_at_once_and_one_stack_twice(project: Stack, hub: Hub, tmp_path: Path) -> None:
    secrets = canaries()
    configure_secrets(project, secrets)
    other = Stack.create(project.workdir, tmp_path / "state", name="second")
    for key, value in (("hfOwner", OWNER), ("spaceName", "rag-chatbot-two"), ("hubEndpoint", hub.endpoint),
                       ("backendDir", "backend"), ("frontendUrl", "https://my-app.example.com"),
                       ("healthCheck", "false")):
        other.config_set(key, value)
    other.config_set("hfToken", hub.token, secret=True)  # the same token
    configure_secrets(other, secrets)
    procs = [(stack, start_up(stack)) for stack in (project, other)]
    for stack, proc in procs:
        out = finish(stack, proc)
        assert proc.returncode == 0, out[-3000:]
    assert differences(other, hub, secrets, f"{OWNER}/rag-chatbot-two") == []
    assert differences(project, hub, secrets) == []

    # The same stack twice at once: Pulumi's lock refuses the second run, the first one finishes.
    edit_backend(project, "twice")
    hub.handle.set_faults(delay_seconds=3, routes=["POST /api/spaces/*/commit/*"])
    proc = start_up(project)
    wait_held(hub, proc)
    second = project.up(check=False)
    printed = second.stdout + second.stderr
    assert second.returncode != 0 and LOCKED in printed, printed[-2000:]
    assert "Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`" in printed
    out = finish(project, proc)
    hub.handle.clear_faults()
    assert proc.returncode == 0, out[-3000:]
    assert deploy_commits(hub) == 2 and deploy_commits(hub, f"{OWNER}/rag-chatbot-two") == 1
    problems = record("two stacks at once (same token), then one stack twice at once (2nd refused by the lock)",
                      hub, 0, 4, "yes", "n/a", project, secrets)
    assert problems == []


# --- 6. the Hub restarts -------------------------------------------------------------------------

def test_localhub_restart_during_up_then_outage(project: Stack, hub: Hub) -> None:
    """localhub restarts (same port: hubEndpoint is part of the Space's identity) while secrets are being
    written; then it is down for a whole run. Each run succeeds or fails clearly; the re-run converges."""
    secrets = canaries()
    configure_secrets(project, secrets)
    hub.handle.options["port"] = urlparse(hub.endpoint).port  # restart() keeps the endpoint
    hub.handle.set_faults(delay_seconds=2, routes=["POST /api/spaces/*/secrets"])
    proc = start_up(project)
    wait_held(hub, proc)
    hub.handle.restart()
    out = finish(project, proc)
    first_ok = proc.returncode == 0
    runs = 1
    if not first_ok:
        assert clear_failure(out) and "cannot reach the Hub" in out, out[-3000:]
        project.up()
        runs += 1
    assert differences(project, hub, secrets) == []

    hub.handle.stop()
    edit_backend(project, "during the outage")
    result = project.up(check=False)
    printed = result.stdout + result.stderr
    assert result.returncode != 0 and clear_failure(printed), printed[-3000:]
    assert "cannot reach the Hub" in printed and "hubEndpoint" in printed
    hub.handle.start()
    project.up()
    assert deploy_commits(hub) == 2
    problems = record("localhub restarted mid-up; then down for a whole run (clear error), up after it is back",
                      hub, 0, runs + 2, yes_no(first_ok), "yes", project, secrets)
    assert problems == []
