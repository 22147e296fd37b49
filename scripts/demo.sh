#!/usr/bin/env bash
# The main job on a machine without a Hugging Face account: start this checkout's own localhub (the
# bundled Hub emulator and Spaces runtime), then deploy the example backend with the real `pulumi up`,
# patch a copy of the example frontend, and print the outputs and the live health.
#   scripts/demo.sh up | destroy | stop
# Environment: HF_RAG_DEMO_PORT (default 7870) is the port tried first for a newly started localhub;
# HF_RAG_DEMO_BUILD_MODE (default real) is its build mode, `fast` (no pip install) only for tests.
#
# Everything the demo owns lives in .demo/ of this checkout: its localhub (data, log, pid, port), its
# own Pulumi backend (.demo/state) with the stack `demo`, whose settings are Pulumi.demo.yaml plus the
# chosen hubEndpoint and the salt of the demo passphrase (.demo/stack/Pulumi.demo.yaml), and the
# patched frontend copy. The localhub is recognised by a random admin token written to .demo/ when it
# was started (another checkout's localhub, even on the same port, does not accept it), and the demo's
# Hub token is random per checkout too, so no request of this demo is accepted by another localhub.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
. scripts/pulumi-env.sh
DEMO=$here/.demo
mkdir -p "$DEMO"
chmod 700 "$DEMO"
# The demo's own backend and passphrase, whatever the user's environment says: the demo never touches
# the user's stacks, and its secrets are only the demo's localhub token.
export PULUMI_BACKEND_URL="file://$DEMO/state"
export PULUMI_CONFIG_PASSPHRASE=hf-rag-space-demo
unset PULUMI_CONFIG_PASSPHRASE_FILE
mkdir -p "$DEMO/state"
STACK=demo
CONFIG=$DEMO/stack/Pulumi.demo.yaml
DATA=$DEMO/localhub
DEFAULT_PORT=${HF_RAG_DEMO_PORT:-7870}
BUILD_MODE=${HF_RAG_DEMO_BUILD_MODE:-real}
case "$BUILD_MODE" in real | fast) ;; *)
  echo "error: HF_RAG_DEMO_BUILD_MODE is '$BUILD_MODE'; use real (the default) or fast" >&2; exit 2 ;;
esac
case "$DEFAULT_PORT" in '' | *[!0-9]*)
  echo "error: HF_RAG_DEMO_PORT is '$DEFAULT_PORT'; use a port number (default 7870)" >&2; exit 2 ;;
esac
say() { printf '\n==> %s\n' "$*"; }

# A value generated once per checkout and kept in .demo/ (mode 600).
kept() {
  local file=$DEMO/$1
  [ -s "$file" ] || (umask 077 && printf '%s%s\n' "$2" "$(od -An -N20 -tx1 /dev/urandom | tr -d ' \n')" >"$file")
  cat "$file"
}
ADMIN=$(kept admin-token localhub-admin-)
HF_TOKEN=$(kept hf-token hf_)
export HF_TOKEN

port_file=$DEMO/localhub.port
recorded_port() { cat "$port_file" 2>/dev/null || true; }
# Ours: the port answers the admin route with this checkout's admin token.
ours() {
  [ -n "$1" ] && curl -fsS --max-time 2 -H "Authorization: Bearer $ADMIN" \
    "http://127.0.0.1:$1/_localhub/stats" >/dev/null 2>&1
}
port_free() {
  .venv/bin/python - "$1" <<'PY'
import socket, sys
with socket.socket() as s:
    try:
        s.bind(("127.0.0.1", int(sys.argv[1])))
    except OSError:
        sys.exit(1)
PY
}
# Resources in the demo stack's state (0 when the stack does not exist yet or was destroyed).
deployed() {
  pulumi stack export --stack "$STACK" --non-interactive 2>/dev/null |
    .venv/bin/python -c 'import json,sys; print(len(json.load(sys.stdin)["deployment"].get("resources") or []))' \
    2>/dev/null || echo 0
}

start_hub() {
  local port
  port=$(recorded_port)
  if ours "$port"; then
    say "this checkout's localhub is already serving on http://127.0.0.1:$port (data in .demo/localhub)"
    PORT=$port; return
  fi
  stop_hub  # a localhub of ours that no longer answers
  if [ -n "$port" ] && ! port_free "$port"; then
    if [ "$(deployed)" != 0 ]; then
      cat >&2 <<MSG
error: port $port, where this checkout's demo Space was deployed (hubEndpoint http://127.0.0.1:$port),
is taken by another process that is not this checkout's localhub (another checkout's demo?).
This demo will not talk to it. Stop that process and run this again, or start the demo afresh by
removing its directory: rm -rf .demo (it holds only the demo's localhub data, state and frontend copy).
MSG
      exit 1
    fi
    say "port $port is taken by another process; the demo has nothing deployed, so it picks another port"
    port=
  fi
  local why="recorded in .demo/localhub.port for this checkout's demo"
  if [ -z "$port" ]; then
    if port_free "$DEFAULT_PORT"; then port=$DEFAULT_PORT; else port=0; why="port $DEFAULT_PORT is taken"; fi
  fi
  mkdir -p "$DATA"
  nohup .venv/bin/python -m localhub --host 127.0.0.1 --port "$port" --data-dir "$DATA" --build-mode "$BUILD_MODE" \
    --token "$HF_TOKEN=demo" --admin-token "$ADMIN" >"$DEMO/localhub.log" 2>&1 &
  echo $! >"$DEMO/localhub.pid"
  for _ in $(seq 1 120); do
    endpoint=$(head -n1 "$DEMO/localhub.log" 2>/dev/null || true)
    case "$endpoint" in http://127.0.0.1:[0-9]*) port=${endpoint##*:} ;; esac
    if [ "$port" != 0 ] && ours "$port"; then
      echo "$port" >"$port_file"
      PORT=$port
      [ "$port" = "$DEFAULT_PORT" ] && why="the default port"
      say "started this checkout's localhub on http://127.0.0.1:$port ($why; data in .demo/localhub, log in .demo/localhub.log)"
      return
    fi
    kill -0 "$(cat "$DEMO/localhub.pid")" 2>/dev/null || break
    sleep 0.5
  done
  cat "$DEMO/localhub.log" >&2; echo "error: localhub did not start on port $port" >&2; stop_hub; exit 1
}

stop_hub() {
  local pid
  pid=$(cat "$DEMO/localhub.pid" 2>/dev/null || true)
  # Only the process this script started (its command line names this checkout's data directory).
  if [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "--data-dir $DATA"; then
    kill "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  fi
  rm -f "$DEMO/localhub.pid"
}

# The stack `demo` in .demo/state; its config file is Pulumi.demo.yaml (tracked, non-secret settings)
# plus the salt of the demo passphrase and the hubEndpoint of this checkout's localhub.
select_stack() {
  mkdir -p "$DEMO/stack"
  local salt
  salt=$(grep '^encryptionsalt:' "$CONFIG" 2>/dev/null || true)
  { grep -v '^encryptionsalt:' Pulumi.demo.yaml; [ -z "$salt" ] || echo "$salt"; } >"$CONFIG.new"
  mv "$CONFIG.new" "$CONFIG"
  # Never `stack select`: that would make `demo` the current stack of the user's own pulumi commands.
  if ! pulumi stack export --stack "$STACK" --non-interactive >/dev/null 2>&1; then
    # `stack init` writes the salt into Pulumi.<stack>.yaml next to Pulumi.yaml: run it in .demo/stack
    # (a copy of Pulumi.yaml, the same project) so the tracked Pulumi.demo.yaml is never rewritten.
    cp Pulumi.yaml "$DEMO/stack/Pulumi.yaml"
    pulumi -C "$DEMO/stack" stack init "$STACK" --no-select --non-interactive
    rm "$DEMO/stack/Pulumi.yaml"
  fi
  pulumi config set hubEndpoint "http://127.0.0.1:$PORT" --stack "$STACK" --config-file "$CONFIG" --non-interactive
}

run() { pulumi "$@" --stack "$STACK" --config-file "$CONFIG" --non-interactive; }

case "${1:-up}" in
  up)
    start_hub
    [ -d "$DEMO/frontend" ] || { cp -r examples/frontend "$DEMO/frontend"; rm -rf "$DEMO/frontend/dist"; }
    select_stack
    say "pulumi preview (stack $STACK, hubEndpoint http://127.0.0.1:$PORT)"
    run preview --diff
    say "pulumi up"
    run up --yes --skip-preview
    say "stack outputs"
    pulumi stack output --stack "$STACK" --non-interactive
    health=$(pulumi stack output healthUrl --stack "$STACK" --non-interactive)
    say "health of the running Space: GET $health"
    curl -fsS --max-time 30 "$health" | .venv/bin/python -m json.tool
    say "frontend client patched: .demo/frontend/src/services/api.ts"
    grep -n "hf-rag-space managed" -A6 "$DEMO/frontend/src/services/api.ts" | head -12
    cat <<MSG

Done. The Space runs on this checkout's localhub (http://127.0.0.1:$PORT): open
$(pulumi stack output docsUrl --stack "$STACK" --non-interactive).
Run it again (make demo) to see a no-change update; undo everything with: make demo-destroy
MSG
    ;;
  destroy)
    start_hub
    select_stack
    run destroy --yes --skip-preview
    stop_hub
    rm -f "$port_file"  # nothing is deployed any more: the next demo may take the default port again
    say "destroyed the demo Space and restored the frontend copy; this checkout's localhub (port $PORT) stopped"
    ;;
  stop) stop_hub ;;
  *) echo "usage: $0 up|destroy|stop" >&2; exit 2 ;;
esac
