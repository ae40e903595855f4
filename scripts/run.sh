#!/usr/bin/env bash
# Start the action server and the Rasa server (Redis must be running), wait until both are healthy,
# print how to chat, and stop everything cleanly on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

# Local overrides (never committed): .env, see .env.example.
if [ -f .env ]; then set -a; . ./.env; set +a; fi

run_dir="${KEFU_RUN_DIR:-.run}"
mkdir -p "$run_dir/logs"

if [ -z "${RASA_AUTH_TOKEN:-}" ]; then
  token_file="$run_dir/rasa_token"
  [ -s "$token_file" ] || (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$token_file")
  RASA_AUTH_TOKEN=$(cat "$token_file")
  echo "RASA_AUTH_TOKEN not set: using a generated token stored in $token_file"
fi
export RASA_AUTH_TOKEN

pids=()
stop_all() {
  trap - INT TERM EXIT
  echo; echo "stopping ..."
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  scripts/redis.sh stop || true
  echo "all services stopped"
}
trap stop_all INT TERM EXIT

wait_healthy() {  # name url seconds
  for _ in $(seq "$3"); do
    curl -fs "$2" >/dev/null 2>&1 && { echo "$1 is healthy ($2)"; return 0; }
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

wait_healthy "action server" "http://127.0.0.1:$ACTIONS_PORT/health" 60
wait_healthy "Rasa server" "http://127.0.0.1:$RASA_PORT/status?token=$RASA_AUTH_TOKEN" 180

cat <<MSG

kefu is running.
  Rasa REST channel: http://127.0.0.1:$RASA_PORT/webhooks/rest/webhook
  Try (as demo shopper u1001):
    curl -s -X POST http://127.0.0.1:$RASA_PORT/webhooks/rest/webhook \\
      -H 'Content-Type: application/json' \\
      -d '{"sender": "demo-1", "message": "我的订单到哪了", "metadata": {"shopper_id": "u1001"}}'
  Logs: $run_dir/logs/   Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}" || true
echo "a service exited, see $run_dir/logs/" >&2
