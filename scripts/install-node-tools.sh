#!/usr/bin/env bash
# Install the pinned Node tools (tools/package-lock.json: esbuild, playwright-core) into
# tools/node_modules with `npm ci`. Idempotent: skipped while the installed tree matches the lockfile.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/tools"
stamp="$tools/node_modules/.hf-rag-space-lock.sha256"

command -v npm >/dev/null || { echo "install-node-tools: npm not found; install Node.js 20+ first" >&2; exit 1; }

want="$(sha256sum "$tools/package-lock.json" | cut -d' ' -f1)"
if [[ -x "$tools/node_modules/.bin/esbuild" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "install-node-tools: tools/node_modules is up to date"
  exit 0
fi

npm ci --prefix "$tools" --no-audit --no-fund
"$tools/node_modules/.bin/esbuild" --version >/dev/null
echo "$want" >"$stamp"
echo "install-node-tools: installed esbuild $("$tools/node_modules/.bin/esbuild" --version) into tools/node_modules"
