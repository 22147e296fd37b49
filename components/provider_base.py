"""What every Hub-backed dynamic provider shares: credentials from `configure()`, the client, diffs.

Credentials never travel as resource inputs and are never pickled: `configure()` runs in the provider
process after unpickling and reads the stack's `hfToken` (or HF_TOKEN), so `pulumi destroy` works with
a rotated token without an `up` first.

Imported in the dynamic-provider process (unpickling a provider imports its module), this module makes
that process exit once the engine is gone (`exit_when_engine_gone`): a killed `pulumi` must not leave
it running, whichever launcher started it.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import grpc
from pulumi.dynamic import ConfigureRequest, ResourceProvider
from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN

from components import hub, ownership
from components.settings import MARKER_VARIABLE, resolve_token

if TYPE_CHECKING:
    from huggingface_hub import HfApi

log = logging.getLogger(__name__)

#: How often the dynamic-provider process checks that the engine still answers.
ENGINE_CHECK_SECONDS = 1.0
_ADDRESS = re.compile(r"^[\w.\-\[\]]+:\d+$")


class HubProvider(ResourceProvider):
    """A dynamic provider that talks to one Hub endpoint named by its `hub_endpoint` input."""

    _token_config: str | None = None

    def configure(self, req: ConfigureRequest) -> None:
        self._token_config = req.config.get(hub.TOKEN_CONFIG_KEY)

    def api(self, props: Mapping[str, Any]) -> HfApi:
        return hub.client(str(props["hub_endpoint"]), self.token())

    def token(self) -> str:
        """The Hub token, by the program's own rule (settings.resolve_token: never stripped)."""
        return resolve_token(self._token_config, os.environ)


def is_unknown(value: Any) -> bool:
    """True for a value not known yet (during preview). SDK 3.259 hands check/diff an
    `pulumi.output.Unknown` instance; older SDKs (and the wire) use the UNKNOWN sentinel string."""
    return isinstance(value, Unknown) or value == UNKNOWN


def with_unknowns_as_sentinel(props: Mapping[str, Any]) -> dict[str, Any]:
    """`props` with every unknown top-level value spelled as the UNKNOWN sentinel string."""
    return {k: UNKNOWN if is_unknown(v) else v for k, v in props.items()}


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
        raise hub.HubError(refusal)


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
