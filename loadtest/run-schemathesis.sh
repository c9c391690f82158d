#!/usr/bin/env bash
# Property-based tests of the public API with schemathesis (pinned, from PyPI, in a cached virtualenv), as CI runs
# them: a fresh `npm start` (rate limits off: every generated request comes from 127.0.0.1), then every check of
# schemathesis on every operation of /openapi.json, for ST_MAX_TIME seconds (default 150); exits non-zero on any
# failure. Extra arguments go to `schemathesis run` (e.g. --seed N to replay a run).
set -euo pipefail
cd "$(dirname "$0")/.."

st="$(loadtest/install-schemathesis.sh)"
mkdir -p test-artifacts
export ST_MAX_TIME="${ST_MAX_TIME:-150}"
STEP_NAME=run-schemathesis exec loadtest/with-npm-start.sh --no-rate-limits -- bash -c '
  "$0" --config-file loadtest/schemathesis.toml run "$BASE_URL/openapi.json" \
    --checks all --max-time "$ST_MAX_TIME" --workers 2 --request-timeout 15 \
    --report junit --report-dir test-artifacts/schemathesis "$@"' "$st" "$@"
