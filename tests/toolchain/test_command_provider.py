"""The project-owned pulumi-resource-command plugin, driven over real gRPC through its launcher."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import engine_pb2_grpc, provider_pb2, provider_pb2_grpc

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "toolchain" / "bin" / "pulumi-resource-command.in"
SIG = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
TYPE = "command:local:Command"
DIFF = provider_pb2.DiffResponse
KIND = provider_pb2.PropertyDiff.Kind


class FakeEngine(engine_pb2_grpc.EngineServicer):
    """Records the engine `Log` calls the provider makes."""

    def __init__(self) -> None:
        self.logs: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def Log(self, request: Any, context: Any) -> Any:
        with self.lock:
            self.logs.append((request.urn, request.message))
        return empty_pb2.Empty()

    def messages(self, urn: str) -> list[str]:
        with self.lock:
            return [m for u, m in self.logs if u == urn]


def struct(values: dict[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(values)
    return message


def plain(message: struct_pb2.Struct) -> dict[str, Any]:
    return json_format.MessageToDict(message)


def urn(name: str) -> str:
    return f"urn:pulumi:dev::proj::{TYPE}::{name}"


@pytest.fixture(scope="module")
def engine() -> Iterator[tuple[FakeEngine, str]]:
    fake = FakeEngine()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    engine_pb2_grpc.add_EngineServicer_to_server(fake, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield fake, f"127.0.0.1:{port}"
    server.stop(0)


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory, engine: tuple[FakeEngine, str]) -> Iterator[Any]:
    """A stub connected to the plugin, started from a rendered copy of the launcher, as the engine does."""
    tmp = tmp_path_factory.mktemp("plugin")
    launcher = tmp / "pulumi-resource-command"
    launcher.write_text(TEMPLATE.read_text().replace("@PYTHON@", sys.executable)
                        .replace("@TOOLCHAIN_DIR@", str(REPO / "toolchain")))
    launcher.chmod(0o755)
    workdir = tmp / "program"
    workdir.mkdir()
    proc = subprocess.Popen([str(launcher), "--logtostderr", "-v=9", engine[1]], cwd=workdir,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    port = proc.stdout.readline().strip()
    assert port.isdigit(), proc.stderr.read() if proc.stderr else port
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    stub = provider_pb2_grpc.ResourceProviderStub(channel)
    stub.workdir = workdir  # type: ignore[attr-defined]
    yield stub
    channel.close()
    proc.kill()
    proc.wait()


def check(stub: Any, name: str, news: dict[str, Any]) -> struct_pb2.Struct:
    response = stub.Check(provider_pb2.CheckRequest(urn=urn(name), news=struct(news), type=TYPE, name=name))
    assert not response.failures
    return response.inputs


def create(stub: Any, name: str, news: dict[str, Any], preview: bool = False) -> tuple[str, dict[str, Any]]:
    inputs = check(stub, name, news)
    response = stub.Create(provider_pb2.CreateRequest(urn=urn(name), properties=inputs, preview=preview,
                                                      type=TYPE, name=name))
    return response.id, plain(response.properties)


def diff(stub: Any, name: str, olds: dict[str, Any], news: dict[str, Any]) -> Any:
    return stub.Diff(provider_pb2.DiffRequest(id="x", urn=urn(name), olds=struct(olds),
                                              news=check(stub, name, news), type=TYPE, name=name))


def update(stub: Any, name: str, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
    response = stub.Update(provider_pb2.UpdateRequest(id="x", urn=urn(name), olds=struct(olds),
                                                      news=check(stub, name, news), type=TYPE, name=name))
    return plain(response.properties)


def delete(stub: Any, name: str, state: dict[str, Any]) -> None:
    stub.Delete(provider_pb2.DeleteRequest(id="x", urn=urn(name), properties=struct(state),
                                           type=TYPE, name=name))


def test_plugin_info_handshake_configure(provider: Any) -> None:
    assert provider.GetPluginInfo(empty_pb2.Empty()).version == "1.2.1"
    handshake = provider.Handshake(provider_pb2.ProviderHandshakeRequest())
    assert handshake.accept_secrets and handshake.accept_resources
    configured = provider.Configure(provider_pb2.ConfigureRequest(acceptSecrets=True))
    assert configured.acceptSecrets and configured.supportsPreview
    assert b'"command:local:Command"' in provider.GetSchema(provider_pb2.GetSchemaRequest()).schema.encode()


def test_check_defaults_and_failures(provider: Any) -> None:
    checked = plain(check(provider, "c", {"create": "true"}))
    assert checked == {"create": "true", "addPreviousOutputInEnv": True}
    news = struct({"create": 3, "logging": "loud"})
    bad = provider.Check(provider_pb2.CheckRequest(urn=urn("c"), news=news))
    assert {f.property for f in bad.failures} == {"create", "logging"}


def test_create_runs_command_and_captures_output(provider: Any, tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    command = f"echo made > {target}; echo hello; echo warn >&2"
    resource_id, outputs = create(provider, "writer", {"create": command})
    assert target.read_text() == "made\n"
    assert resource_id.startswith("writer") and len(resource_id) == len("writer") + 8
    assert outputs["stdout"] == "hello" and outputs["stderr"] == "warn"
    assert outputs["create"].startswith("echo made")


def test_default_dir_is_provider_cwd(provider: Any) -> None:
    _, outputs = create(provider, "pwd", {"create": "pwd"})
    assert outputs["stdout"] == str(provider.workdir)


def test_preview_create_does_not_run(provider: Any, tmp_path: Path) -> None:
    target = tmp_path / "never.txt"
    _, outputs = create(provider, "preview", {"create": f"touch {target}"}, preview=True)
    assert not target.exists()
    assert outputs["stdout"] == UNKNOWN and outputs["stderr"] == UNKNOWN


def test_environment_dir_stdin_interpreter(provider: Any, tmp_path: Path) -> None:
    (tmp_path / "marker").write_text("x")
    _, outputs = create(provider, "env", {
        "create": "echo $GREETING; ls; cat",
        "environment": {"GREETING": "bonjour"},
        "dir": str(tmp_path),
        "stdin": "from-stdin",
    })
    assert outputs["stdout"].splitlines() == ["bonjour", "marker", "from-stdin"]
    _, outputs = create(provider, "py", {"create": "print(6 * 7)", "interpreter": [sys.executable, "-c"]})
    assert outputs["stdout"] == "42"


def test_diff_none_update_and_replace(provider: Any) -> None:
    news = {"create": "echo a", "triggers": ["one", 1], "environment": {"A": "1"}}
    _, state = create(provider, "d", news)
    assert diff(provider, "d", state, news).changes == DIFF.DIFF_NONE

    changed = diff(provider, "d", state, {**news, "create": "echo b", "environment": {"A": "2"}})
    assert changed.changes == DIFF.DIFF_SOME and not changed.replaces
    assert set(changed.diffs) == {"create", "environment"}
    assert changed.detailedDiff["create"].kind == KIND.UPDATE
    assert changed.detailedDiff["environment.A"].kind == KIND.UPDATE

    replaced = diff(provider, "d", state, {**news, "triggers": ["two", 1]})
    assert list(replaced.replaces) == ["triggers"]
    assert replaced.detailedDiff["triggers[0]"].kind == KIND.UPDATE_REPLACE

    added = diff(provider, "d", state, {**news, "update": "echo u"})
    assert added.detailedDiff["update"].kind == KIND.ADD and not added.replaces


def test_update_reruns_create_or_update_with_previous_output(provider: Any) -> None:
    _, state = create(provider, "u", {"create": "echo first"})
    news = {"create": 'echo "second after $PULUMI_COMMAND_STDOUT"'}
    state = update(provider, "u", state, news)
    assert state["stdout"] == "second after first"

    state = update(provider, "u", state, {**news, "update": 'echo "updated from $PULUMI_COMMAND_STDOUT"'})
    assert state["stdout"] == "updated from second after first"

    quiet = update(provider, "u", state, {"create": "echo x", "update": "echo $PULUMI_COMMAND_STDOUT.",
                                          "addPreviousOutputInEnv": False})
    assert quiet["stdout"] == "."


def test_update_without_commands_keeps_outputs(provider: Any) -> None:
    state = update(provider, "k", {"stdout": "old", "stderr": "e", "delete": "true"}, {"delete": "echo bye"})
    assert (state["stdout"], state["stderr"], state["delete"]) == ("old", "e", "echo bye")


def test_delete_runs_delete_command(provider: Any, tmp_path: Path) -> None:
    target = tmp_path / "deleted.txt"
    news = {"create": "echo created", "delete": f'echo "$PULUMI_COMMAND_STDOUT" > {target}'}
    _, state = create(provider, "del", news)
    assert not target.exists()
    delete(provider, "del", state)
    assert target.read_text() == "created\n"
    delete(provider, "del", {"create": "true", "stdout": "", "stderr": ""})  # no delete command: no-op


def test_failing_command_is_a_grpc_error(provider: Any) -> None:
    with pytest.raises(grpc.RpcError) as info:
        create(provider, "fail", {"create": "echo partial; echo broken-thing >&2; exit 3"})
    details = info.value.details()
    assert info.value.code() == grpc.StatusCode.UNKNOWN
    assert "exit status 3" in details and "broken-thing" in details and "partial" in details
    assert 'running "echo partial' in details


def test_missing_dir_is_an_error(provider: Any, tmp_path: Path) -> None:
    with pytest.raises(grpc.RpcError) as info:
        create(provider, "nodir", {"create": "true", "dir": str(tmp_path / "absent")})
    assert "absent" in info.value.details()


def test_logging_goes_to_engine(provider: Any, engine: tuple[FakeEngine, str]) -> None:
    fake = engine[0]
    create(provider, "log-both", {"create": "echo out-line; echo err-line >&2"})
    assert sorted(fake.messages(urn("log-both"))) == ["err-line", "out-line"]
    create(provider, "log-out", {"create": "echo out-line; echo err-line >&2", "logging": "stdout"})
    assert fake.messages(urn("log-out")) == ["out-line"]
    _, outputs = create(provider, "log-none", {"create": "echo out-line; echo e >&2", "logging": "none"})
    assert fake.messages(urn("log-none")) == []
    assert outputs["stdout"] == "out-line"  # logging does not affect capture


def test_secret_inputs_make_outputs_secret(provider: Any) -> None:
    secret = {SIG: SECRET_SIG, "value": "hunter2"}
    _, outputs = create(provider, "s", {"create": "echo $PASSWORD", "environment": {"PASSWORD": secret}})
    assert outputs["stdout"] == {SIG: SECRET_SIG, "value": "hunter2"}
    assert outputs["environment"][SIG] == SECRET_SIG


def test_command_with_secret_inputs_logs_and_reports_none_of_its_output(
    provider: Any, engine: tuple[FakeEngine, str]
) -> None:
    fake, canary = engine[0], f"canary-{os.urandom(8).hex()}"
    secret = {SIG: SECRET_SIG, "value": canary}
    _, outputs = create(provider, "s-log", {"create": "echo $PASSWORD; echo $PASSWORD >&2",
                                            "environment": {"PASSWORD": secret}})
    assert outputs["stdout"] == {SIG: SECRET_SIG, "value": canary}  # captured, returned secret
    assert fake.messages(urn("s-log")) == ["[command output not logged: the command has secret inputs]"]
    update(provider, "s-log", outputs, {"create": "echo $PASSWORD", "environment": {"PASSWORD": secret}})
    delete(provider, "s-log", {**outputs, "delete": "echo $PULUMI_COMMAND_STDOUT"})
    assert not [m for m in fake.messages(urn("s-log")) if canary in m]
    with pytest.raises(grpc.RpcError) as info:
        create(provider, "s-fail", {"create": "echo $PASSWORD >&2; exit 3", "environment": {"PASSWORD": secret}})
    details = info.value.details()
    assert details.startswith("exit status 3: a command with secret inputs failed") and canary not in details
    assert not [m for m in fake.messages(urn("s-fail")) if canary in m]


def test_asset_paths(provider: Any, tmp_path: Path) -> None:
    _, outputs = create(provider, "assets", {
        "create": "mkdir -p sub && echo 1 > a.txt && echo 2 > sub/b.txt && echo 3 > sub/secret.txt",
        "dir": str(tmp_path), "assetPaths": ["**.txt", "!**secret.*"], "archivePaths": ["*.txt"],
    })
    assert sorted(outputs["assets"]) == ["a.txt", "sub/b.txt"]
    assert outputs["assets"]["a.txt"]["path"] == os.path.join(tmp_path, "a.txt")
    assert sorted(outputs["archive"]["assets"]) == ["a.txt"]


def test_run_invoke(provider: Any) -> None:
    response = provider.Invoke(provider_pb2.InvokeRequest(
        tok="command:local:run", args=struct({"command": "echo $X", "environment": {"X": "ran"}})))
    assert not response.failures
    assert plain(getattr(response, "return"))["stdout"] == "ran"
    missing = provider.Invoke(provider_pb2.InvokeRequest(tok="command:local:run", args=struct({})))
    assert [f.property for f in missing.failures] == ["command"]


def test_unsupported_type_is_rejected(provider: Any) -> None:
    with pytest.raises(grpc.RpcError) as info:
        provider.Check(provider_pb2.CheckRequest(urn="urn:pulumi:dev::p::command:remote:Command::r",
                                                 type="command:remote:Command", news=struct({})))
    assert info.value.code() == grpc.StatusCode.UNIMPLEMENTED
