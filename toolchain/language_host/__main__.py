"""Entry point: `pulumi-language-python [-flags...] ENGINE_ADDRESS`; prints the port it serves on."""

from __future__ import annotations

import re
import signal
import sys
from concurrent import futures

import grpc

from . import proto

# Before anything imports the SDK: this process only needs its protocol stubs (see proto.py).
_, language_pb2_grpc, _ = proto.load(bare_parents=True)

from parent_watch import watch_parent  # noqa: E402

from .servicer import LanguageHost  # noqa: E402

# The engine's messages can be large (whole configs, big stacks): lift gRPC's 4 MB default.
_ADDRESS = re.compile(r"^[\w.\-\[\]]+:\d+$")
_MAX_MESSAGE = 400 * 1024 * 1024


def main(argv: list[str]) -> int:
    """Serve until the engine kills us. Flags the official host takes (-root, -tracing...) are ignored:
    everything needed arrives in the request's ProgramInfo."""
    addresses = [a for a in argv if _ADDRESS.match(a)]
    engine_address = addresses[-1] if addresses else ""
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=8),
        options=[("grpc.max_receive_message_length", _MAX_MESSAGE),
                 ("grpc.max_send_message_length", _MAX_MESSAGE)],
    )
    host = LanguageHost(engine_address)
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(host, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(port, flush=True)
    watch_parent(on_orphaned=host.stop_children)  # a killed engine must not leave us (or the program) behind
    # The engine stops plugins with SIGINT/SIGTERM when it is done: that is a normal exit, not an error.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: (server.stop(grace=0), sys.exit(0)))
    server.wait_for_termination()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
