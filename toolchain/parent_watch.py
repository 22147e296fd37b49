"""Exit when the process that started us is gone.

The engine stops its plugins when it ends normally, but a SIGKILLed `pulumi` (or one whose process group
was killed) leaves them running forever: the language host, the program and the providers all sit idle
on their gRPC ports. Each of our plugin processes starts this watch: once it is re-parented, it runs
`on_orphaned` (e.g. to stop its own children) and exits. Standalone on purpose: the program runner and the
dynamic-provider launcher load it by file path, without putting toolchain/ on the program's sys.path.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable


def watch_parent(on_orphaned: Callable[[], None] | None = None, interval: float = 1.0) -> None:
    """Start a daemon thread that exits the process (status 1) when its parent process changes."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        try:
            if on_orphaned is not None:
                on_orphaned()
        finally:
            os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
