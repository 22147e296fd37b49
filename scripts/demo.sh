#!/usr/bin/env bash
# The main job on a machine without a Hugging Face account: start localhub (the bundled Hub emulator
# and Spaces runtime), then deploy the example backend with the real `pulumi up` (stack `dev`,
# Pulumi.dev.yaml), patch a copy of the example frontend, and print the outputs and the live health.
#   scripts/demo.sh up | destroy | stop
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
. scripts/pulumi-env.sh
export PULUMI_CONFIG_PASSPHRASE=${PULUMI_CONFIG_PASSPHRASE:-hf-rag-space-dev}
export HF_TOKEN=hf_demo_token_for_localhub_only_0000000
export HF_HUB_DISABLE_XET=1  # localhub serves LFS, not Xet (localhub/README.md)
PORT=7870
ADMIN=demo-admin
DATA=.demo/localhub
mkdir -p .demo
say() { printf '\n==> %s\n' "$*"; }

hub_up() { curl -fsS --max-time 2 "http://127.0.0.1:$PORT/_localhub/health" >/dev/null 2>&1; }

start_hub() {
  if hub_up; then say "localhub already serving on http://127.0.0.1:$PORT"; return; fi
  say "starting localhub on http://127.0.0.1:$PORT (data in $DATA, log in .demo/localhub.log)"
  mkdir -p "$DATA"
  nohup .venv/bin/python -m localhub --host 127.0.0.1 --port "$PORT" --data-dir "$DATA" \
    --token "$HF_TOKEN=demo" --admin-token "$ADMIN" >.demo/localhub.log 2>&1 &
  echo $! >.demo/localhub.pid
  for _ in $(seq 1 60); do hub_up && return; sleep 0.5; done
  cat .demo/localhub.log >&2; echo "localhub did not start" >&2; exit 1
}

stop_hub() {
  if [ -f .demo/localhub.pid ]; then kill "$(cat .demo/localhub.pid)" 2>/dev/null || true; rm -f .demo/localhub.pid; fi
}

select_stack() {
  pulumi stack select dev --non-interactive 2>/dev/null || pulumi stack init dev --non-interactive
}

case "${1:-up}" in
  up)
    start_hub
    [ -d .demo/frontend ] || { cp -r examples/frontend .demo/frontend; rm -rf .demo/frontend/dist; }
    select_stack
    say "pulumi preview"
    pulumi preview --non-interactive --diff
    say "pulumi up"
    pulumi up --yes --non-interactive --skip-preview
    say "stack outputs"
    pulumi stack output --non-interactive
    health=$(pulumi stack output healthUrl --non-interactive)
    say "health of the running Space: GET $health"
    curl -fsS --max-time 30 "$health" | .venv/bin/python -m json.tool
    say "frontend client patched: .demo/frontend/src/services/api.ts"
    grep -n "hf-rag-space managed" -A6 .demo/frontend/src/services/api.ts | head -12
    cat <<MSG

Done. The Space runs on localhub: open $(pulumi stack output docsUrl --non-interactive).
Run it again (make demo) to see a no-change update; undo everything with: make demo-destroy
MSG
    ;;
  destroy)
    start_hub
    select_stack
    pulumi destroy --yes --non-interactive --skip-preview
    stop_hub
    say "destroyed the Space and restored the frontend; localhub stopped"
    ;;
  stop) stop_hub ;;
  *) echo "usage: $0 up|destroy|stop" >&2; exit 2 ;;
esac
