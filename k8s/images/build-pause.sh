#!/usr/bin/env bash
# Builds the pod sandbox image registry.k8s.io/pause:bazar-local (pause/main.go, a static Go binary, alone in one
# layer) as an OCI archive: build-pause.sh OUT.tar. The binary is cached in $BAZAR_CACHE_DIR/images/pause.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build-pause.sh OUT.tar}
cache=${BAZAR_CACHE_DIR:-$HOME/.cache/bazar}/images/pause
source_hash=$(cat "$here/pause/main.go" "$here/pause/go.mod" | sha256sum | cut -c1-16)
bin=$cache/$source_hash/pause
if [ ! -x "$bin" ]; then
  mkdir -p "$(dirname "$bin")"
  (cd "$here/pause" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -trimpath -ldflags '-s -w' -o "$bin" .)
fi
python3 "$here/oci-archive.py" --name registry.k8s.io/pause:bazar-local --out "$out" \
  --work "$(dirname "$bin")" --layer-file "pause=$bin" --user 65535:65535 --entrypoint '["/pause"]'
