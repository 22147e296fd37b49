"""Put a frontend client file's original API line back from its own managed block.

For a file left patched by a `pulumi destroy` that ran on a machine without it (CI, a colleague's
checkout): the block keeps the statement it replaced (components/frontend_patch.py), so the file can be
restored wherever it is, with no state:

    python -m components.frontend_restore path/to/src/services/api.ts
"""

from __future__ import annotations

import sys
from pathlib import Path

from components.frontend_patch import PatchError, embedded_original
from components.frontend_patch_provider import read_text, restore_file


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    path = Path(argv[0])
    try:
        original = embedded_original(read_text(path))
        if original is None:
            print(f"{path}: no managed block holding its original line; nothing to restore", file=sys.stderr)
            return 1
        restore_file(path, original)
    except (OSError, PatchError) as error:
        print(f"{path}: {error}", file=sys.stderr)
        return 1
    print(f"{path}: original API line restored")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
