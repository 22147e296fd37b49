"""Entry point: `pulumi-resource-command [-flags...] ENGINE_ADDRESS`; prints the port it serves on.

The engine starts provider plugins as `<plugin> [--logtostderr] [-v=N] [--logflow] [--tracing URL]
ENGINE_ADDRESS` and reads the port from the first line of stdout; flags are ignored here.
"""

from __future__ import annotations

import re
import sys

from parent_watch import watch_parent

from .server import serve

_ADDRESS = re.compile(r"^[\w.\-\[\]]+:\d+$")


def main(argv: list[str]) -> int:
    """Serve until the engine kills us."""
    addresses = [a for a in argv if _ADDRESS.match(a)]
    server, port = serve(addresses[-1] if addresses else "")
    print(port, flush=True)
    watch_parent()  # a killed engine must not leave us behind
    try:
        server.wait_for_termination()
    except KeyboardInterrupt:  # the engine interrupts plugins when it is done with them
        server.stop(0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
