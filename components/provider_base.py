"""What every Hub-backed dynamic provider shares: credentials from `configure()`, the client, diffs, and
the redactor every word leaving the provider goes through.

Credentials never travel as resource inputs and are never pickled: `configure()` runs in the provider
process after unpickling and reads the stack's `hfToken` (or HF_TOKEN), so `pulumi destroy` works with
a rotated token without an `up` first. It reads the stack's other secrets from the same configuration
(the engine hands every provider the whole decrypted config) to build the provider's `Redactor`
(components/redact.py): so the values never become inputs, and never land in state.

Every provider method (`check`, `diff`, `create`, `update`, `read`, `delete`) of a subclass is wrapped
(`__init_subclass__`): an exception leaves it as `ProviderError` carrying the redacted message (or, for a
programming error, the redacted traceback), raised `from None` so no unredacted cause is printed. Log lines
go through `log`/`warn`, the `components.*` loggers' records (retries) to the CLI through the same redactor
(components/log_bridge.py), and the rest of the process's `logging` output (huggingface_hub, httpx, gRPC's
own report of a failed call) to stderr through a redacting formatter.

Imported in the dynamic-provider process (unpickling a provider imports its module), this module makes
that process exit once the engine is gone (`exit_when_engine_gone`): a killed `pulumi` must not leave
it running, whichever launcher started it.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast

import grpc
from pulumi.dynamic import ConfigureRequest, ResourceProvider
from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN

from components import log_bridge
from components.errors import DeployError, OwnershipError, ProviderError
from components.hub import client as hub
from components.redact import RedactingFormatter, Redactor, secrets_of_config
from components.rules import ownership
from components.rules.ownership import MARKER_VARIABLE
from components.rules.tokens import resolve_token

if TYPE_CHECKING:
    from huggingface_hub import HfApi

log = logging.getLogger(__name__)

#: How often the dynamic-provider process checks that the engine still answers.
ENGINE_CHECK_SECONDS = 1.0
_ADDRESS = re.compile(r"^[\w.\-\[\]]+:\d+$")

F = TypeVar("F", bound=Callable[..., Any])
PROVIDER_METHODS = ("check", "diff", "create", "update", "read", "delete")




InputsT = TypeVar("InputsT", bound=Mapping[str, Any])
OutputsT = TypeVar("OutputsT", bound=Mapping[str, Any])
PropsT = TypeVar("PropsT", bound=Mapping[str, Any])


class TypedProvider(ResourceProvider, Generic[InputsT, OutputsT]):
    """A dynamic provider whose props are described by two TypedDicts, named as its type parameters
    (`SpaceProvider(HubProvider[SpaceInputs, SpaceOutputs])`); at run time the engine hands plain dicts.

    `InputsT` is what the `Resource` subclass sends: `check` receives it (as `olds` too: the previous inputs,
    `{}` on a create), `create` and `update` receive it checked. `OutputsT` is what `create`, `update` and
    `read` return, what the state holds: `diff`, `update`, `read` and `delete` receive it as the old props.
    Every dict also carries the engine's `__provider` key (the pickled provider), which no TypedDict
    declares; during preview any value may be unknown (`is_unknown`); state written by an older version
    may lack keys added since, which the providers read with `.get`.

    The SDK types every method's props as `dict[str, Any]`, so narrowing them breaks mypy's override rule:
    the provider modules turn that check off (pyproject.toml), and `tests/unit/test_provider_props.py`
    checks instead that each method is annotated with its class's own two TypedDicts."""


class HubProvider(TypedProvider[InputsT, OutputsT]):
    """A dynamic provider that talks to one Hub endpoint named by its `hub_endpoint` input."""

    _token_config: str | None = None
    _redactor: Redactor | None = None
    #: Errors whose message is written for the user (shown alone); any other error shows its traceback.
    explained_errors: ClassVar[tuple[type[BaseException], ...]] = (DeployError,)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in PROVIDER_METHODS:
            method = cls.__dict__.get(name)
            if method is not None and not getattr(method, "_redacted", False):
                setattr(cls, name, _redacting(method))

    def configure(self, req: ConfigureRequest) -> None:
        self._token_config = req.config.get(hub.TOKEN_CONFIG_KEY)
        self._redactor = Redactor(secrets_of_config(req.config.get, os.environ))
        install_log_redaction(self._redactor)
        log_bridge.install(self._redactor)  # components.* records (retries...) to the CLI, redacted

    def redactor(self) -> Redactor:
        """This stack's redactor (before `configure`: the HF_TOKEN and the token formats only)."""
        if self._redactor is None:
            self._redactor = Redactor(secrets_of_config(lambda _key: None, os.environ))
        return self._redactor

    def log(self, message: str) -> None:
        """An info line for the CLI, redacted."""
        import pulumi

        pulumi.log.info(self.redactor()(message))

    def warn(self, message: str) -> None:
        """A warning for the CLI, redacted."""
        import pulumi

        pulumi.log.warn(self.redactor()(message))

    def api(self, props: Mapping[str, Any]) -> HfApi:
        return hub.client(str(props["hub_endpoint"]), self.token())

    def token(self) -> str:
        """The Hub token, by the program's own rule (rules.tokens.resolve_token: never stripped)."""
        return resolve_token(self._token_config, os.environ)


def _redacting(method: F) -> F:
    """`method` whose exceptions leave redacted and without their cause (whose text could hold a secret):
    an error written for the user (`explained_errors`) keeps its type with its message redacted; any
    other becomes a ProviderError holding its redacted traceback."""

    @functools.wraps(method)
    def run(self: HubProvider, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except self.explained_errors as error:
            error.args = (self.redactor().error_text(error, self.explained_errors),)
            raise error from None
        except Exception as error:
            raise ProviderError(self.redactor().error_text(error)) from None

    run._redacted = True  # type: ignore[attr-defined]
    return run  # type: ignore[return-value]


def install_log_redaction(redactor: Callable[[str], str]) -> None:
    """Route this process's `logging` output through `redactor` (one stderr handler on the root logger;
    what a provider writes to stderr, the engine prints)."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "_hf_rag_space", False)), None)
    if handler is None:
        handler = logging.StreamHandler()
        handler._hf_rag_space = True  # type: ignore[attr-defined]
        handler.addFilter(log_bridge.not_forwarded)  # already shown by the CLI (components/log_bridge.py)
        root.addHandler(handler)
    handler.setFormatter(RedactingFormatter(redactor))
    logging.captureWarnings(True)  # `warnings.warn` (huggingface_hub's) through the same handler
    # gRPC logs every failed call with its traceback; the engine already prints the error's (redacted)
    # message, and a programming error's message is its traceback (`_redacting`): once is enough.
    logging.getLogger("grpc._server").setLevel(logging.CRITICAL)


def is_unknown(value: Any) -> bool:
    """True for a value not known yet (during preview). SDK 3.259 hands check/diff an
    `pulumi.output.Unknown` instance; older SDKs (and the wire) use the UNKNOWN sentinel string."""
    return isinstance(value, Unknown) or value == UNKNOWN


def with_unknowns_as_sentinel(props: PropsT) -> PropsT:
    """`props` (a copy, of the same shape) with every unknown top-level value spelled as the UNKNOWN
    sentinel string."""
    return cast(PropsT, {k: UNKNOWN if is_unknown(v) else v for k, v in props.items()})


def changed(olds: Mapping[str, Any], news: Mapping[str, Any], keys: Iterable[str]) -> list[str]:
    """The named keys whose value differs (or is not known yet). Never compares whole dicts:
    `olds` holds `__provider` and outputs too."""
    return [k for k in keys if is_unknown(news.get(k)) or olds.get(k) != news.get(k)]


def check_still_owner(api: HfApi, space_id: str, props: Mapping[str, Any], previous: str | None = None) -> None:
    """Before writing to a Space's secrets, variables or files: raise when its ownership marker names
    another stack (taken over with `adoptSpace`). One read, made only when there is something to write.
    `previous` is the marker this resource's state recorded (the pre-instance `<project>/<stack>` one)."""
    this_stack = props.get("managed_by")
    if not this_stack:
        return
    marker = hub.space_variable(api, space_id, MARKER_VARIABLE)
    refusal = ownership.update_refusal(space_id, marker, str(this_stack), previous, adopt=False)
    if refusal:
        raise OwnershipError(refusal)


def engine_address(argv: Sequence[str]) -> str | None:
    """The engine's address among a provider plugin's arguments: the last `host:port` one (the engine
    passes `host.ServerAddr()` after any flags: pkg/resource/plugin/provider_plugin.go, NewProvider)."""
    found = [arg for arg in argv[1:] if _ADDRESS.match(arg)]
    return found[-1] if found else None


def exit_when_engine_gone(address: str, interval: float = ENGINE_CHECK_SECONDS) -> None:
    """Start a daemon thread that ends this process (status 1) once the engine at `address` refuses its
    gRPC health check, i.e. once `pulumi` is gone (killed: it never sends the SIGINT that stops plugins).

    Pulumi's Go plugins check the same endpoint, every 5 minutes (sdk/go/common/util/rpcutil/health.go,
    `Healthcheck`); Pulumi's Python dynamic provider never does (pulumi/dynamic/__main__.py waits on an
    Event forever). Watching the parent process is not enough: Pulumi's launcher
    (sdk/python/dist/pulumi-resource-pulumi-python) runs python as a child of /bin/sh, which outlives the
    engine. Only UNAVAILABLE (nothing listens) counts; a slow answer under load does not."""
    channel = grpc.insecure_channel(address)
    check = channel.unary_unary("/grpc.health.v1.Health/Check",
                                request_serializer=lambda _: b"", response_deserializer=lambda raw: raw)

    def watch() -> None:
        while True:
            time.sleep(interval)
            try:
                check(None, timeout=60)
            except grpc.RpcError as exc:
                if exc.code() == grpc.StatusCode.UNAVAILABLE:
                    log.info("the engine at %s is gone: the dynamic provider exits", address)
                    os._exit(1)

    threading.Thread(target=watch, name="engine-watch", daemon=True).start()


def _in_dynamic_provider_process() -> bool:
    """True in the process `python -m pulumi.dynamic` serves providers from (either launcher runs it as
    `__main__`); False in the program, tests and tools that import this module."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    return getattr(spec, "name", None) == "pulumi.dynamic.__main__"


if _in_dynamic_provider_process() and (_engine := engine_address(sys.argv)):
    exit_when_engine_gone(_engine)
