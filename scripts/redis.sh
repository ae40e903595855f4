#!/usr/bin/env bash
# Start or stop the project's private redis-server (own port, own data dir, AOF on).
# Usage: scripts/redis.sh install|start|stop|status   (install: Debian's redis-server if missing)
set -euo pipefail
cd "$(dirname "$0")/.."

port="${REDIS_PORT:-6390}"
dir="${KEFU_RUN_DIR:-.run}/redis"
pidfile="$dir/redis.pid"

ensure_installed() {
  command -v redis-server >/dev/null 2>&1 && return 0
  echo "redis-server is missing: installing Debian's redis-server package"
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq redis-server >/dev/null
}

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

case "${1:-start}" in
  install)
    ensure_installed ;;
  start)
    ensure_installed
    mkdir -p "$dir"
    if running; then echo "redis already running on 127.0.0.1:$port"; exit 0; fi
    redis-server --port "$port" --bind 127.0.0.1 --dir "$(cd "$dir" && pwd)" \
      --appendonly yes --appendfsync everysec --daemonize yes --pidfile "$(cd "$dir" && pwd)/redis.pid" \
      --logfile "$(cd "$dir" && pwd)/redis.log" --save ""
    for _ in $(seq 50); do
      redis-cli -p "$port" ping >/dev/null 2>&1 && { echo "redis running on 127.0.0.1:$port (data in $dir)"; exit 0; }
      sleep 0.1
    done
    echo "error: redis did not start, see $dir/redis.log" >&2; exit 1 ;;
  stop)
    if running; then redis-cli -p "$port" shutdown >/dev/null 2>&1 || kill "$(cat "$pidfile")"; echo "redis stopped"; fi ;;
  status)
    running && echo "running" || { echo "stopped"; exit 1; } ;;
  *) echo "usage: $0 install|start|stop|status" >&2; exit 2 ;;
esac
