#!/usr/bin/env bash
# The smoke scenario against a fresh `npm start` (embedded database), as CI runs it: installs k6 when missing, then
# loadtest/with-npm-start.sh starts Bazar, runs loadtest/scenarios/smoke.ts and stops Bazar; exits with k6's status
# (0 when every threshold held). Extra arguments go to `k6 run` (e.g. --quiet).
set -euo pipefail
cd "$(dirname "$0")/.."

k6="$(loadtest/install-k6.sh)"
mkdir -p loadtest/results # k6 writes the JSON summary there and does not create directories
# Every k6 VU comes from 127.0.0.1, one client to the per-address rate limits: they are off for this run.
STEP_NAME=run-smoke exec loadtest/with-npm-start.sh --no-rate-limits -- \
  bash -c '"$0" run -e BASE_URL="$BASE_URL" "$@" loadtest/scenarios/smoke.ts' "$k6" "$@"
