"""The ResourceProvider gRPC service for `command:local:Command` and `command:local:run`.

Lifecycle, as pulumi-command v1.2.1 (`local/commandController.go`) on pulumi-go-provider `infer`:
- Check: type-check inputs, default `addPreviousOutputInEnv` to true.
- Diff: compare the old state's input properties with the new inputs; a change under `triggers` is a
  replacement (`provider:"replaceOnChanges"`), any other change an update.
- Create: run `create` (if set); in preview run nothing and report stdout/stderr as unknown.
- Update: run `update`, else `create` (if either is set), with the previous stdout/stderr in the env;
  if neither is set keep the old outputs.
- Delete: run `delete` (if set) with the stored stdout/stderr in the env.
- Read: return the state unchanged.
- Secrets: stricter than upstream. If any input is secret, every output property is returned secret,
  the command's output lines are not sent to the engine log (one note says so, whatever `logging`
  says), and a failure reports only the exit status, not the command line or its output. Upstream
  (pulumi-go-provider `infer`'s default, `ensureDefaultSecrets`) only marks secret the outputs named
  like a secret input; its stdout/stderr stay plaintext and are logged (toolchain/README.md).
"""

from __future__ import annotations

import secrets
import sys
import threading
from typing import Any

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, plugin_pb2, provider_pb2, provider_pb2_grpc

from . import VERSION
from .checks import check
from .local_command import CommandError, CommandResult, CommandSpec, Logger, ProcessRegistry, run
from .schema import COMMAND_INPUTS, COMMAND_TOKEN, RUN_TOKEN, schema_json
from .values import UNKNOWN, contains_secret, from_struct, object_diff, secret, to_struct, unwrap

_KIND = provider_pb2.PropertyDiff.Kind
_REPLACE_KIND = {"ADD": _KIND.ADD_REPLACE, "DELETE": _KIND.DELETE_REPLACE, "UPDATE": _KIND.UPDATE_REPLACE}
_PLAIN_KIND = {"ADD": _KIND.ADD, "DELETE": _KIND.DELETE, "UPDATE": _KIND.UPDATE}
_REPLACE_ON_CHANGES = ("triggers",)


class EngineLog:
    """Sends command output to the engine's `Log` RPC (shown to the user); stderr if that fails."""

    def __init__(self, address: str) -> None:
        self._address = address
        self._stub: Any = None
        self._lock = threading.Lock()

    def set_address(self, address: str) -> None:
        with self._lock:
            if address and address != self._address:
                self._address, self._stub = address, None

    def _engine(self) -> Any:
        with self._lock:
            if self._stub is None and self._address:
                self._stub = engine_pb2_grpc.EngineStub(grpc.insecure_channel(self._address))
            return self._stub

    def info(self, message: str, urn: str = "") -> None:
        stub = self._engine()
        if stub is not None:
            try:
                stub.Log(engine_pb2.LogRequest(severity=engine_pb2.INFO, message=message, urn=urn),
                         timeout=30)
                return
            except grpc.RpcError:
                pass
        print(message, file=sys.stderr, flush=True)

    def for_urn(self, urn: str) -> Logger:
        return lambda line: self.info(line, urn)


def _name(request: Any) -> str:
    return getattr(request, "name", "") or request.urn.split("::")[-1]


def _require_type(request: Any, context: grpc.ServicerContext) -> None:
    token = getattr(request, "type", "") or (request.urn.split("::")[2].split("$")[-1]
                                             if request.urn.count("::") >= 3 else "")
    if token and token != COMMAND_TOKEN:
        context.abort(grpc.StatusCode.UNIMPLEMENTED,
                      f"resource type {token} is not supported by this pulumi-resource-command "
                      f"(only {COMMAND_TOKEN})")


def _previous(state: dict[str, Any]) -> CommandResult:
    """The BaseOutputs stored in a resource's state."""
    plain = unwrap(state)
    return CommandResult(stdout=plain.get("stdout") or "", stderr=plain.get("stderr") or "",
                         assets=plain.get("assets"), archive=plain.get("archive"))


def _outputs(inputs: dict[str, Any], result: CommandResult | None, spec: CommandSpec) -> dict[str, Any]:
    """The state to return: the inputs plus stdout/stderr/assets/archive (unknown when result is None)."""
    outputs = {k: v for k, v in inputs.items() if v is not None}
    if result is None:
        outputs["stdout"] = outputs["stderr"] = UNKNOWN
        if spec.asset_paths is not None:
            outputs["assets"] = UNKNOWN
        if spec.archive_paths is not None:
            outputs["archive"] = UNKNOWN
    else:
        outputs["stdout"], outputs["stderr"] = result.stdout, result.stderr
        if result.assets is not None:
            outputs["assets"] = result.assets
        if result.archive is not None:
            outputs["archive"] = result.archive
    if contains_secret(inputs):
        outputs = {k: secret(v) for k, v in outputs.items()}
    return outputs


class CommandProvider(provider_pb2_grpc.ResourceProviderServicer):
    """pulumi-resource-command, local module. Method names are the gRPC service's."""

    def __init__(self, engine_address: str) -> None:
        self.log = EngineLog(engine_address)
        self.processes = ProcessRegistry()

    # --- plugin plumbing -------------------------------------------------------------------------

    def Handshake(self, request: Any, context: grpc.ServicerContext) -> Any:
        self.log.set_address(request.engine_address)
        return provider_pb2.ProviderHandshakeResponse(accept_secrets=True, accept_resources=True,
                                                      accept_outputs=False)

    def GetPluginInfo(self, request: Any, context: grpc.ServicerContext) -> Any:
        return plugin_pb2.PluginInfo(version=VERSION)

    def Attach(self, request: Any, context: grpc.ServicerContext) -> Any:
        self.log.set_address(request.address)
        return empty_pb2.Empty()

    def GetSchema(self, request: Any, context: grpc.ServicerContext) -> Any:
        return provider_pb2.GetSchemaResponse(schema=schema_json())

    def CheckConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        return provider_pb2.CheckResponse(inputs=request.news)

    def DiffConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        return provider_pb2.DiffResponse(changes=provider_pb2.DiffResponse.DIFF_NONE)

    def Configure(self, request: Any, context: grpc.ServicerContext) -> Any:
        return provider_pb2.ConfigureResponse(acceptSecrets=True, supportsPreview=True,
                                              acceptResources=True, acceptOutputs=False)

    def Cancel(self, request: Any, context: grpc.ServicerContext) -> Any:
        self.processes.kill_all()
        return empty_pb2.Empty()

    def GetMapping(self, request: Any, context: grpc.ServicerContext) -> Any:
        return provider_pb2.GetMappingResponse(provider="", data=b"")

    def GetMappings(self, request: Any, context: grpc.ServicerContext) -> Any:
        return provider_pb2.GetMappingsResponse(providers=[])

    # --- command:local:Command ---------------------------------------------------------------------

    def Check(self, request: Any, context: grpc.ServicerContext) -> Any:
        _require_type(request, context)
        checked, failures = check(from_struct(request.news))
        return provider_pb2.CheckResponse(
            inputs=to_struct(checked),
            failures=[provider_pb2.CheckFailure(property=p, reason=r) for p, r in failures])

    def Diff(self, request: Any, context: grpc.ServicerContext) -> Any:
        _require_type(request, context)
        olds, news = from_struct(request.olds), from_struct(request.news)
        detailed: dict[str, Any] = {}
        replaces: set[str] = set()
        changed: set[str] = set()
        for key in COMMAND_INPUTS:
            for path, kind in object_diff(olds.get(key), news.get(key), key).items():
                changed.add(key)
                if key in _REPLACE_ON_CHANGES:
                    replaces.add(key)
                    detailed[path] = provider_pb2.PropertyDiff(kind=_REPLACE_KIND[kind], inputDiff=True)
                else:
                    detailed[path] = provider_pb2.PropertyDiff(kind=_PLAIN_KIND[kind], inputDiff=True)
        return provider_pb2.DiffResponse(
            changes=provider_pb2.DiffResponse.DIFF_SOME if changed else provider_pb2.DiffResponse.DIFF_NONE,
            replaces=sorted(replaces), diffs=sorted(changed), detailedDiff=detailed,
            hasDetailedDiff=True, deleteBeforeReplace=False)

    def _run(self, context: grpc.ServicerContext, command: str, spec: CommandSpec, urn: str,
             timeout: float, previous: CommandResult | None = None, *, secret_inputs: bool) -> CommandResult:
        """Run a command; with secret inputs its output is never logged nor put in an error message."""
        log: Logger | None = self.log.for_urn(urn)
        if secret_inputs:
            log = None
            if spec.logs_stdout() or spec.logs_stderr():
                self.log.info("[command output not logged: the command has secret inputs]", urn)
        try:
            return run(command, spec, previous=previous, log=log, timeout=timeout or None,
                       registry=self.processes)
        except CommandError as err:
            message = str(err)
            if secret_inputs:
                message = (f"{err.status}: a command with secret inputs failed; its command line and output "
                           "are not shown (run it by hand to see them)")
            context.abort(grpc.StatusCode.UNKNOWN, message)
            raise  # unreachable: abort raises

    def Create(self, request: Any, context: grpc.ServicerContext) -> Any:
        _require_type(request, context)
        inputs = from_struct(request.properties)
        plain = unwrap(inputs)
        spec = CommandSpec.from_inputs(plain)
        resource_id = f"{_name(request)}{secrets.token_hex(4)}"
        result: CommandResult | None
        if request.preview:
            result = None
        elif plain.get("create") is None:
            result = CommandResult(stdout="", stderr="")
        else:
            result = self._run(context, plain["create"], spec, request.urn, request.timeout,
                               secret_inputs=contains_secret(inputs))
        properties = to_struct(_outputs(inputs, result, spec))
        return provider_pb2.CreateResponse(id=resource_id, properties=properties)

    def Update(self, request: Any, context: grpc.ServicerContext) -> Any:
        _require_type(request, context)
        news = from_struct(request.news)
        plain = unwrap(news)
        spec = CommandSpec.from_inputs(plain)
        olds = from_struct(request.olds)
        previous = _previous(olds)
        command = plain.get("update") if plain.get("update") is not None else plain.get("create")
        result: CommandResult | None
        if command is None:
            result = previous
        elif request.preview:
            result = None
        else:
            result = self._run(context, command, spec, request.urn, request.timeout, previous,
                               secret_inputs=contains_secret(news) or contains_secret(olds))
            result.assets = result.assets if spec.asset_paths is not None else previous.assets
            result.archive = result.archive if spec.archive_paths is not None else previous.archive
        return provider_pb2.UpdateResponse(properties=to_struct(_outputs(news, result, spec)))

    def Delete(self, request: Any, context: grpc.ServicerContext) -> Any:
        _require_type(request, context)
        state = from_struct(request.properties)
        plain = unwrap(state)
        if plain.get("delete") is not None:
            self._run(context, plain["delete"], CommandSpec.from_inputs(plain), request.urn,
                      request.timeout, _previous(state), secret_inputs=contains_secret(state))
        return empty_pb2.Empty()

    def Read(self, request: Any, context: grpc.ServicerContext) -> Any:
        _require_type(request, context)
        inputs = request.inputs if request.HasField("inputs") else to_struct(
            {k: v for k, v in from_struct(request.properties).items() if k in COMMAND_INPUTS})
        return provider_pb2.ReadResponse(id=request.id, properties=request.properties, inputs=inputs)

    # --- command:local:run -----------------------------------------------------------------------

    def Invoke(self, request: Any, context: grpc.ServicerContext) -> Any:
        if request.tok != RUN_TOKEN:
            context.abort(grpc.StatusCode.UNIMPLEMENTED, f"function {request.tok} is not supported by "
                                                         f"this pulumi-resource-command (only {RUN_TOKEN})")
        args, failures = check(from_struct(request.args), require_command=True)
        if failures:
            return provider_pb2.InvokeResponse(
                failures=[provider_pb2.CheckFailure(property=p, reason=r) for p, r in failures])
        plain = unwrap(args)
        spec = CommandSpec.from_inputs(plain)
        result = self._run(context, plain["command"], spec, "", 0, secret_inputs=contains_secret(args))
        return provider_pb2.InvokeResponse(**{"return": to_struct(_outputs(args, result, spec))})


def serve(engine_address: str, max_workers: int = 32) -> tuple[grpc.Server, int]:
    """Start the server on a free loopback port; return it and the port."""
    from concurrent import futures

    limit = 400 * 1024 * 1024
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=max_workers),
                         options=[("grpc.max_receive_message_length", limit),
                                  ("grpc.max_send_message_length", limit)])
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(CommandProvider(engine_address), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, port

