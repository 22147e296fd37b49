"""Start the dynamic provider while the program is still reading the config and building the bundle.

The engine starts the `pulumi-python` provider (a second Python process importing the SDK, about a quarter
of a second) for the first resource registered through it, and the program registers its resources only
after it has read the config, walked and checked the backend and rendered the generated files: the two
starts run one after the other. An Invoke whose token is in the provider's package makes the engine load
that same default provider at once ("Load up the resource provider if necessary": `resmon.Invoke`,
pkg/resource/deploy/source_eval.go), so both run side by side and the resources find it ready. The dynamic
provider answers every Invoke UNIMPLEMENTED (`Invoke` in sdk/python/lib/pulumi/dynamic/__main__.py): nothing
is read or written, on the Hub or in the state, and the same holds with Pulumi's upstream plugins.

The Invoke goes out on the monitor's own gRPC stub from a daemon thread, outside the SDK's RPC bookkeeping
(`pulumi.runtime.invoke` would record its failure as the program's), so whatever it meets never fails or
delays the program. Under `pulumi.runtime.set_mocks` (no engine) nothing is sent.
"""

from __future__ import annotations

import logging
import threading

import grpc
from google.protobuf import struct_pb2
from pulumi.runtime.proto import resource_pb2, resource_pb2_grpc
from pulumi.runtime.settings import get_monitor

#: A token of the dynamic provider's package that names no function: the provider answers UNIMPLEMENTED.
WARM_UP_TOKEN = "pulumi-python:dynamic:startEarly"

log = logging.getLogger(__name__)


def start_dynamic_provider() -> threading.Thread | None:
    """Ask the engine for the dynamic provider now, from a daemon thread; the thread (None under mocks)."""
    monitor = get_monitor()
    if not isinstance(monitor, resource_pb2_grpc.ResourceMonitorStub):
        return None
    thread = threading.Thread(target=_invoke, args=(monitor,), name="start-dynamic-provider", daemon=True)
    thread.start()
    return thread


def _invoke(monitor: resource_pb2_grpc.ResourceMonitorStub) -> None:
    try:
        monitor.Invoke(resource_pb2.ResourceInvokeRequest(tok=WARM_UP_TOKEN, args=struct_pb2.Struct(),
                                                          acceptResources=True))
    except grpc.RpcError as answer:  # the expected answer: UNIMPLEMENTED, once the provider runs
        log.debug("dynamic provider started early (it answered %s)", answer.code())
    except Exception as error:  # an early start is an optimisation, never a failure
        log.debug("starting the dynamic provider early failed: %s", error)
