"""Write (or with --check, compare) the parts of Pulumi.yaml and README.md generated from the config key
declarations in components/config/keys.py. Exit 1 with --check when a file is out of date."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from components.config.docs import generated  # noqa: E402

log = logging.getLogger("config_docs")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="only report files that differ")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    wanted = generated(ROOT)
    stale = [path for path, text in wanted.items() if path.read_text() != text]
    for path in stale:
        if args.check:
            log.error("%s is out of date: run `make config-docs`", path.relative_to(ROOT))
        else:
            path.write_text(wanted[path])
            log.info("wrote %s", path.relative_to(ROOT))
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
