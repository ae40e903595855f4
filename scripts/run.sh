#!/usr/bin/env bash
# Start the action server, the Rasa server and the chat gateway (Redis must be running), wait until
# all are healthy, print how to chat, and stop everything cleanly on Ctrl-C.
# With arguments (scripts/run.sh COMMAND...): run COMMAND once everything is healthy, then stop it all
# and exit with COMMAND's status (used by `make bench-handoff`).
set -euo pipefail
cd "$(dirname "$0")/.."

# Local overrides (never committed): .env, see .env.example.
if [ -f .env ]; then set -a; . ./.env; set +a; fi

run_dir="${KEFU_RUN_DIR:-.run}"
mkdir -p "$run_dir/logs"

# Secrets come from the environment; when one is unset, a random one is generated once into a
# file under the run dir (mode 0600) and reused.
generated_secret() {  # file name under the run dir
  local file="$run_dir/$1"
  [ -s "$file" ] || (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$file")
  cat "$file"
}
if [ -z "${RASA_AUTH_TOKEN:-}" ]; then
  RASA_AUTH_TOKEN=$(generated_secret rasa_token)
  echo "RASA_AUTH_TOKEN not set: using a generated token stored in $run_dir/rasa_token"
fi
export RASA_AUTH_TOKEN
if [ -z "${KEFU_GATEWAY_SECRET:-}" ]; then
  KEFU_GATEWAY_SECRET=$(generated_secret gateway_secret)
fi
export KEFU_GATEWAY_SECRET
if [ -z "${KEFU_DEMO_AGENT_PASSWORD:-}" ]; then
  KEFU_DEMO_AGENT_PASSWORD=$(generated_secret agent_password)
  echo "KEFU_DEMO_AGENT_PASSWORD not set: the demo agent's password is in $run_dir/agent_password"
fi
KEFU_AGENT_PASSWORD="$KEFU_DEMO_AGENT_PASSWORD" python -m handoff.agents add agent1 --name 小王 --supervisor

pids=()
stop_all() {
  local status=$?
  trap - INT TERM EXIT
  echo; echo "stopping ..."
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  scripts/redis.sh stop || true
  echo "all services stopped"
  exit "$status"
}
trap stop_all INT TERM EXIT

wait_healthy() {  # name url seconds
  for _ in $(seq "$3"); do
    curl -fs "$2" >/dev/null 2>&1 && { echo "$1 is healthy (${2%%\?*})"; return 0; }
    sleep 1
  done
  echo "error: $1 did not become healthy, see $run_dir/logs/" >&2; return 1
}

SANIC_HOST=127.0.0.1 python -m rasa_sdk --actions actions --port "$ACTIONS_PORT" > "$run_dir/logs/actions.log" 2>&1 &
pids+=($!)
rasa run --model models/kefu.tar.gz --enable-api --auth-token "$RASA_AUTH_TOKEN" \
  --interface 127.0.0.1 --port "$RASA_PORT" --endpoints endpoints.yml --credentials credentials.yml \
  > "$run_dir/logs/rasa.log" 2>&1 &
pids+=($!)

python -m handoff > "$run_dir/logs/gateway.log" 2>&1 &
pids+=($!)

wait_healthy "action server" "http://127.0.0.1:$ACTIONS_PORT/health" 60
wait_healthy "Rasa server" "http://127.0.0.1:$RASA_PORT/status?token=$RASA_AUTH_TOKEN" 180
wait_healthy "chat gateway" "http://127.0.0.1:$KEFU_GATEWAY_PORT/health" 30

# Rasa builds its TensorFlow graphs on the first message it handles: about 5 s that the first shopper
# after a start would wait. One message and one prediction in a conversation of its own pay it now.
warm_up_rasa() {
  local api="http://127.0.0.1:$RASA_PORT/conversations/kefu-warm-up"
  curl -fs -X POST "$api/messages?token=$RASA_AUTH_TOKEN" -H 'Content-Type: application/json' \
    -d '{"text": "你好", "sender": "user"}' >/dev/null &&
    curl -fs -X POST "$api/predict?token=$RASA_AUTH_TOKEN" >/dev/null
}
if warm_up_rasa; then echo "Rasa server warmed up"; else echo "warning: Rasa warm-up failed; the first message will be slower" >&2; fi

if [ $# -gt 0 ]; then
  status=0
  "$@" || status=$?
  exit "$status"
fi

cat <<MSG

kefu is running.
  Shopper chat:  http://127.0.0.1:$KEFU_GATEWAY_PORT/
  Agent console: http://127.0.0.1:$KEFU_GATEWAY_PORT/console  (agent1, password below; also the supervisor board)
  Rasa and the action server listen on 127.0.0.1 only; everything goes through the gateway.
  Try as demo shopper u1001 (u1002 is a VIP, u1003 another shopper):
    token=\$(curl -s -X POST http://127.0.0.1:$KEFU_GATEWAY_PORT/api/shopper/login \\
      -H 'Content-Type: application/json' -d '{"shopper_id": "u1001"}' | python -c 'import json,sys; print(json.load(sys.stdin)["token"])')
    curl -s -X POST http://127.0.0.1:$KEFU_GATEWAY_PORT/api/shopper/messages -H "Authorization: Bearer \$token" \\
      -H 'Content-Type: application/json' -d '{"text": "我的订单到哪了"}'
  Agent login: agent1 with the password in \$KEFU_DEMO_AGENT_PASSWORD (or $run_dir/agent_password):
    POST /api/agent/login {"agent_id": "agent1", "password": "..."}, then GET /api/agent/queue, WebSocket /ws/agent?token=...
  Logs: $run_dir/logs/   Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}" || true
echo "a service exited, see $run_dir/logs/" >&2
