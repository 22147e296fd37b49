#!/usr/bin/env bash
# Bundle the example frontend (src/main.ts) into dist/app.js with the project's pinned esbuild.
# Usage: build.sh [FRONTEND_DIR]   (default: this directory; tests build a patched copy)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
dir="$(cd "${1:-$here}" && pwd)"
esbuild="${HF_RAG_SPACE_ESBUILD:-$root/tools/node_modules/.bin/esbuild}"
[[ -x "$esbuild" ]] || { echo "build.sh: $esbuild not found; run scripts/install-node-tools.sh" >&2; exit 1; }

"$esbuild" "$dir/src/main.ts" --bundle --format=esm --target=es2020 --log-level=warning \
  --outfile="$dir/dist/app.js"
