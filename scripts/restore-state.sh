#!/usr/bin/env bash
# Restore a stack whose state file a killed `pulumi` left unreadable (`failed to load checkpoint: EOF` or
# `unexpected end of JSON input`) from the copy the local file backend keeps of the previous checkpoint
# (.pulumi/stacks/<project>/<stack>.json.bak), with `pulumi stack import --force`. Run it in the project
# directory with the stack's environment (PULUMI_BACKEND_URL=file://..., its passphrase), and only when no
# `pulumi` runs on that stack: it removes the dead run's lock first (`pulumi cancel`, or deleting the lock
# file if cancel cannot read the state either). Then finish as after any killed run:
# pulumi refresh --clear-pending-creates --yes; pulumi up.
#   scripts/restore-state.sh STACK
set -euo pipefail
stack=${1:?usage: scripts/restore-state.sh STACK (run in the project directory)}
url=${PULUMI_BACKEND_URL:-}
case "$url" in
  file://*) dir=${url#file://} ;;
  *) echo "error: PULUMI_BACKEND_URL must name the local file backend (file://...); source scripts/pulumi-env.sh" >&2
     exit 2 ;;
esac
project=$(sed -n 's/^name: *//p' Pulumi.yaml | head -n1)
state=$dir/.pulumi/stacks/$project/$stack.json
[ -f "$state.bak" ] || { echo "error: no backup copy $state.bak" >&2; exit 1; }
python=python3
[ -x .venv/bin/python ] && python=.venv/bin/python
restore=$(mktemp "${TMPDIR:-/tmp}/restore-$stack.XXXXXX.json")
trap 'rm -f "$restore"' EXIT
# The backend stores {"version", "checkpoint": {"stack", "latest": <deployment>}}; `stack import` takes
# {"version", "deployment": <deployment>}.
"$python" - "$state.bak" "$restore" <<'PY'
import json, sys
checkpoint = json.load(open(sys.argv[1]))
latest = checkpoint["checkpoint"]["latest"]
if latest is None:
    sys.exit(f"error: {sys.argv[1]} holds no deployment (the stack was empty before the killed run)")
json.dump({"version": checkpoint["version"], "deployment": latest}, open(sys.argv[2], "w"))
PY
# The killed run's lock: `stack import` refuses a locked stack.
if ! pulumi cancel --yes --stack "$stack" --non-interactive; then
  echo "pulumi cancel failed; removing the lock file(s) of the killed run directly" >&2
  rm -f "$dir/.pulumi/locks/organization/$project/$stack/"*.json
fi
pulumi stack import --stack "$stack" --force --file "$restore" --non-interactive
echo "restored stack $stack from $state.bak; now run: pulumi refresh --clear-pending-creates --yes; pulumi up"
