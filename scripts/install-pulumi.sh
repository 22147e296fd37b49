#!/usr/bin/env bash
# Installs, outside the checkout, the Pulumi toolchain this project runs on:
#   $PREFIX/bin/pulumi                          the CLI, at exactly the `pulumi` version pinned in requirements.txt
#   $PREFIX/bin/pulumi-language-python(-exec)   the Python language host and its program runner
#   $PREFIX/bin/pulumi-resource-pulumi-python   the launcher Python dynamic providers need
#   $PREFIX/home/plugins/resource-command-v…    the `command` plugin at the version pulumi-command asks for
# where PREFIX=${HF_RAG_CACHE:-~/.cache/hf-rag-space}/pulumi-v<version>.
#
# The CLI comes from a matching `pulumi` on PATH, else the official installer (if reachable within a few
# seconds), else a Go build through the Go module proxy. The language host and the command plugin come
# from the official installer or from Go modules when those are available; where the proxy does not
# serve them (the case on our machines) the project's own Python implementations in toolchain/ are
# installed instead (see toolchain/README.md). A second run finds everything and exits in seconds.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
V=$(sed -n 's/^pulumi==\([0-9.]*\).*/\1/p' "$here/requirements.txt")
CMD_V=$(sed -n 's/^pulumi-command==\([0-9.]*\).*/\1/p' "$here/requirements.txt")
[ -n "$V" ] && [ -n "$CMD_V" ] || { echo "install-pulumi: cannot read the pulumi / pulumi-command pins from requirements.txt" >&2; exit 1; }
CACHE=${HF_RAG_CACHE:-$HOME/.cache/hf-rag-space}
PREFIX="$CACHE/pulumi-v$V"
BIN="$PREFIX/bin"
export PULUMI_HOME="$PREFIX/home"
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
# The command plugin pinned by commit: pulumi-command has no Go tags for its provider module.
CMD_COMMIT=7f3eb6f3b77cd0fa3895ba437a695dd393f7dd25
# Fingerprint of the project-owned plugin sources: a change reinstalls them.
FP="$V $CMD_V $(cat "$here"/toolchain/bin/* "$here"/toolchain/*.py "$here"/toolchain/*/*.py 2>/dev/null | sha256sum | cut -c1-16)"

say() { printf 'install-pulumi: %s\n' "$*"; }
die() { printf 'install-pulumi: ERROR: %s\n' "$*" >&2; exit 1; }
mkdir -p "$BIN" "$PULUMI_HOME"
start=$(date +%s)

if [ -f "$PREFIX/.installed" ] && [ "$(cat "$PREFIX/.installed")" = "$FP" ] \
   && [ "$("$BIN/pulumi" version 2>/dev/null)" = "v$V" ] \
   && [ -x "$BIN/pulumi-language-python" ] \
   && [ -d "$PULUMI_HOME/plugins/resource-command-v$CMD_V" ]; then
  say "found pulumi v$V, its Python language host and the command plugin v$CMD_V in $PREFIX (nothing to do)"
  exit 0
fi

# --- 1. The CLI -------------------------------------------------------------------------------
ambient=$(command -v pulumi || true)
if [ -x "$BIN/pulumi" ] && [ "$("$BIN/pulumi" version 2>/dev/null)" = "v$V" ]; then
  say "pulumi v$V already in $BIN"
elif [ -n "$ambient" ] && [ "$("$ambient" version 2>/dev/null)" = "v$V" ]; then
  say "using pulumi v$V found on PATH at $ambient"
  ln -sf "$(readlink -f "$ambient")" "$BIN/pulumi"
  for f in "$(dirname "$(readlink -f "$ambient")")"/pulumi-language-python*; do [ -e "$f" ] && ln -sf "$f" "$BIN/"; done
elif curl -fsS --max-time 5 -o "$PREFIX/get-pulumi.sh" https://get.pulumi.com/ 2>/dev/null; then
  say "installing pulumi v$V with the official installer"
  sh "$PREFIX/get-pulumi.sh" --version "$V" --install-root "$PREFIX" --no-edit-path
else
  command -v go >/dev/null || die "no pulumi v$V on PATH, get.pulumi.com unreachable, and no Go toolchain to build it: install Go >= 1.25"
  say "get.pulumi.com is unreachable: building pulumi v$V from Go modules (a cold build takes several minutes)"
  build="$PREFIX/build"
  mkdir -p "$build"
  export GOPROXY=${GOPROXY:-https://proxy.golang.org} CGO_ENABLED=0 GOFLAGS=-buildvcs=false
  (
    cd "$build"
    rm -f go.mod go.sum
    go mod init example.invalid/hf-rag-space-pulumi >/dev/null 2>&1
    # Only the clipboard replace of pkg/go.mod is copied; its local-path replaces are pinned instead.
    go mod edit -replace github.com/atotto/clipboard=github.com/tgummerer/clipboard@v0.0.0-20241001131231-d02d263e614e
    # Pin pkg and sdk to the same version (pkg/vX's go.mod may name an older sdk), then declare the
    # CLI as a tool so `go mod tidy` keeps it (it is a main package and cannot be imported).
    go mod edit -require "github.com/pulumi/pulumi/pkg/v3@v$V" -require "github.com/pulumi/pulumi/sdk/v3@v$V"
    go mod edit -tool github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
    say "resolving modules (go mod tidy)"
    go mod tidy 2>"$build/tidy.log" || { tail -5 "$build/tidy.log" >&2; die "go mod tidy failed: is github.com/pulumi/pulumi/pkg/v3@v$V served by your Go module proxy ($GOPROXY)?"; }
    got=$(go list -m -f '{{.Version}}' github.com/pulumi/pulumi/pkg/v3 github.com/pulumi/pulumi/sdk/v3 | sort -u)
    [ "$got" = "v$V" ] || die "module versions skewed: $got (expected only v$V)"
    go build -v -trimpath -tags osusergo,grpcnotrace \
      -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$V" \
      -o "$BIN/pulumi.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi >"$build/build.log" 2>&1 &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
      sleep 15
      kill -0 "$pid" 2>/dev/null && say "  still compiling: $(wc -l <"$build/build.log") packages so far, $(( $(date +%s) - start ))s elapsed"
    done
    wait "$pid" || { tail -20 "$build/build.log" >&2; die "go build of the pulumi CLI failed (log: $build/build.log)"; }
    mv "$BIN/pulumi.tmp" "$BIN/pulumi"
  )
fi
[ "$("$BIN/pulumi" version)" = "v$V" ] || die "$BIN/pulumi prints '$("$BIN/pulumi" version)', expected v$V"

# --- 2. The Python language host and the dynamic-provider launcher -------------------------------
# Their own interpreter (grpc + the SDK's protocol stubs), independent of any project's virtualenv.
if [ ! -x "$PREFIX/venv/bin/python" ] || ! "$PREFIX/venv/bin/python" -c "import pulumi, grpc" 2>/dev/null \
   || [ "$("$PREFIX/venv/bin/python" -c 'import importlib.metadata as m; print(m.version("pulumi"))')" != "$V" ]; then
  say "creating the plugins' Python environment ($PREFIX/venv, pulumi==$V)"
  "$PYTHON" -m venv "$PREFIX/venv"
  "$PREFIX/venv/bin/pip" install -q --disable-pip-version-check "pulumi==$V" grpcio -c "$here/constraints.txt" 2>&1 | tail -3
fi
rm -rf "$PREFIX/toolchain" && cp -r "$here/toolchain" "$PREFIX/toolchain"
find "$PREFIX/toolchain" -name __pycache__ -prune -exec rm -rf {} +
render() {  # render LAUNCHER.in -> DEST with the interpreter and toolchain dir filled in
  sed -e "s#@PYTHON@#$PREFIX/venv/bin/python#g" -e "s#@TOOLCHAIN_DIR@#$PREFIX/toolchain#g" "$1" >"$2.tmp"
  chmod 755 "$2.tmp" && mv "$2.tmp" "$2"
}
if [ -L "$BIN/pulumi-language-python" ] || { [ -x "$BIN/pulumi-language-python" ] && [ ! -f "$BIN/.python-host-ours" ]; }; then
  say "keeping the official Python language host in $BIN"
else
  render "$PREFIX/toolchain/bin/pulumi-language-python.in" "$BIN/pulumi-language-python"
  install -m 755 "$PREFIX/toolchain/bin/pulumi-language-python-exec" "$BIN/pulumi-language-python-exec"
  touch "$BIN/.python-host-ours"
  say "installed the project's Python language host (the Go proxy does not serve pulumi-language-python)"
fi
if [ ! -e "$BIN/pulumi-resource-pulumi-python" ] || [ -f "$BIN/.python-host-ours" ]; then
  render "$PREFIX/toolchain/bin/pulumi-resource-pulumi-python.in" "$BIN/pulumi-resource-pulumi-python"
fi

# --- 3. The command resource plugin ----------------------------------------------------------------
if ! "$BIN/pulumi" plugin ls 2>/dev/null | grep -qE "^command +resource +$CMD_V"; then
  plugdir="$PREFIX/command-plugin"
  mkdir -p "$plugdir"
  if GOPROXY=${GOPROXY:-https://proxy.golang.org} CGO_ENABLED=0 GOBIN="$plugdir" timeout 600 go install -trimpath \
       -ldflags "-s -w -X github.com/pulumi/pulumi-command/provider/pkg/version.Version=v$CMD_V" \
       "github.com/pulumi/pulumi-command/provider/cmd/pulumi-resource-command@$CMD_COMMIT" >"$PREFIX/command-build.log" 2>&1; then
    say "built pulumi-resource-command v$CMD_V from Go modules"
  else
    say "the Go proxy does not serve pulumi-command@$CMD_COMMIT ($(tail -1 "$PREFIX/command-build.log" | cut -c1-80)); installing the project's Python command plugin"
    render "$PREFIX/toolchain/bin/pulumi-resource-command.in" "$plugdir/pulumi-resource-command"
  fi
  "$BIN/pulumi" plugin install resource command "v$CMD_V" --file "$plugdir/pulumi-resource-command" >/dev/null
fi

echo "$FP" >"$PREFIX/.installed"
say "ready in $(( $(date +%s) - start ))s: $BIN/pulumi $("$BIN/pulumi" version), plugins in $PULUMI_HOME/plugins"
