#!/usr/bin/env bash
# The smoke scenario against a fresh `npm start` (embedded database), as CI runs it: installs k6 when missing,
# starts Bazar on a free port, waits until it is ready, runs loadtest/scenarios/smoke.ts, stops Bazar and exits
# with k6's status (0 when every threshold held). Extra arguments go to `k6 run` (e.g. --quiet).
set -euo pipefail
cd "$(dirname "$0")/.."

k6="$(loadtest/install-k6.sh)"
mkdir -p loadtest/results # k6 writes the JSON summary there and does not create directories
port="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
export ADMIN_TOKEN="${ADMIN_TOKEN:-$(node -e "console.log(require('crypto').randomBytes(16).toString('hex'))")}"
base_url="http://127.0.0.1:$port"
log="$(mktemp "${TMPDIR:-/tmp}/bazar-smoke.XXXXXX")"

# npm runs the start script through sh, which does not pass SIGTERM on: start it in a session of its own and
# signal the whole process group, so the launcher gets the SIGTERM and stops every pod it started.
echo "run-smoke: npm start -- --port $port (log: $log)"
setsid npm start -- --port "$port" >"$log" 2>&1 &
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
until grep -q '^Bazar is ready' "$log" && node -e "fetch('$base_url/readyz').then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))"; do
  if ! kill -0 "$bazar" 2>/dev/null; then
    echo "run-smoke: npm start exited before it was ready:" >&2
    cat "$log" >&2
    exit 1
  fi
  if [ $((SECONDS - started)) -ge 180 ]; then
    echo "run-smoke: Bazar was not ready after 180 s:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.5
done
echo "run-smoke: Bazar ready in $((SECONDS - started)) s at $base_url"

set +e
"$k6" run -e BASE_URL="$base_url" "$@" loadtest/scenarios/smoke.ts
status=$?
set -e
stop_bazar
if ! grep -q '^Stopped\.' "$log"; then
  echo "run-smoke: warning: npm start did not report a clean stop (log: $log)" >&2
elif [ "$status" -eq 0 ]; then
  rm -f "$log"
fi
echo "run-smoke: k6 exited with $status"
exit "$status"
