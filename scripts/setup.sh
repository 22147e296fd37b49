#!/usr/bin/env bash
# Installs everything the project needs on a fresh machine: the virtualenv with the pinned Python
# packages, the Pulumi toolchain (scripts/install-pulumi.sh), Node tools (esbuild) and, with --browser,
# Debian's Chromium for the browser tests. Idempotent: a second run only checks.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
stamp=.venv/.requirements.sha256
want=$(cat requirements.txt requirements-dev.txt constraints.txt | sha256sum | cut -c1-64)
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing Python packages into .venv"
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
  echo "$want" >"$stamp"
else
  echo "setup: .venv is up to date"
fi
bash scripts/install-pulumi.sh
[ -f scripts/install-node-tools.sh ] && bash scripts/install-node-tools.sh
bash scripts/install-actionlint.sh
if [ "${1:-}" = "--browser" ] && [ -f scripts/install-browser.sh ]; then bash scripts/install-browser.sh; fi
exit 0
