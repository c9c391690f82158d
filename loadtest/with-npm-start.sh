#!/usr/bin/env bash
# Runs a command against a fresh `npm start` (embedded database) and stops Bazar afterwards, as CI does:
#   loadtest/with-npm-start.sh [npm start options --] COMMAND [ARGS…]
# Starts Bazar on a free port, waits until it is ready (its banner and the frontend's /readyz, up to 180 s), runs
# COMMAND with BASE_URL and ADMIN_TOKEN exported, sends SIGTERM to npm start's process group and exits with
# COMMAND's status. Options before `--` go to npm start (e.g. --no-rate-limits).
set -euo pipefail
cd "$(dirname "$0")/.."

start_args=()
if [[ " $* " == *" -- "* ]]; then
  while [ "$1" != -- ]; do start_args+=("$1") && shift; done
  shift
fi
[ $# -gt 0 ] || { echo "usage: $0 [npm start options --] COMMAND [ARGS…]" >&2; exit 2; }
name=${STEP_NAME:-$(basename "$1")}  # how progress lines are prefixed

port="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
export ADMIN_TOKEN="${ADMIN_TOKEN:-$(node -e "console.log(require('crypto').randomBytes(16).toString('hex'))")}"
export BASE_URL="http://127.0.0.1:$port"
log="$(mktemp "${TMPDIR:-/tmp}/bazar-npm-start.XXXXXX")"

# npm runs the start script through sh, which does not pass SIGTERM on: start it in a session of its own and
# signal the whole process group, so the launcher gets the SIGTERM and stops every pod it started.
echo "$name: npm start -- --port $port ${start_args[*]} (log: $log)"
setsid npm start -- --port "$port" "${start_args[@]}" >"$log" 2>&1 &
bazar=$!
stop_bazar() {
  if kill -0 "$bazar" 2>/dev/null; then
    kill -TERM -- "-$bazar" 2>/dev/null || true
    for _ in $(seq 1 150); do kill -0 "$bazar" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$bazar" 2>/dev/null || true
  fi
  wait "$bazar" 2>/dev/null || true
}
trap stop_bazar EXIT

# Ready = the launcher printed its banner (every pod answered /readyz) and the frontend answers /readyz.
started=$SECONDS
until grep -q '^Bazar is ready' "$log" && node -e "fetch('$BASE_URL/readyz').then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))"; do
  if ! kill -0 "$bazar" 2>/dev/null; then
    echo "$name: npm start exited before it was ready:" >&2
    cat "$log" >&2
    exit 1
  fi
  if [ $((SECONDS - started)) -ge 180 ]; then
    echo "$name: Bazar was not ready after 180 s:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.5
done
echo "$name: Bazar ready in $((SECONDS - started)) s at $BASE_URL"

set +e
"$@"
status=$?
set -e
stop_bazar
if ! grep -q '^Stopped\.' "$log"; then
  echo "$name: warning: npm start did not report a clean stop (log: $log)" >&2
elif [ "$status" -eq 0 ]; then
  rm -f "$log"
fi
echo "$name: exited with $status"
exit "$status"
