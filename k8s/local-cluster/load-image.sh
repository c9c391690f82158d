#!/usr/bin/env bash
# Imports OCI image archives into the local cluster's containerd (namespace k8s.io, where the kubelet looks), so
# pods can use them by their exact name with imagePullPolicy IfNotPresent or Never; prints the names imported.
#   load-image.sh ARCHIVE.tar…        (e.g. the archives k8s/images/build-images.sh writes)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
SCRIPT_NAME=load-image
# shellcheck source=k8s/local-cluster/lib.sh
source "$here/lib.sh"

[ $# -gt 0 ] || die "usage: load-image.sh ARCHIVE.tar…"
[ -n "$(pid_of containerd)" ] || die "the local cluster is not running (up.sh)"
for archive in "$@"; do
  [ -f "$archive" ] || die "no such archive: $archive"
  started=$(date +%s)
  # Already there with the same manifest (a warm rebuild writes the same bytes): nothing to import.
  index=$(tar -xOf "$archive" index.json)
  name=$(printf '%s' "$index" | sed -n 's/.*"io.containerd.image.name": *"\([^"]*\)".*/\1/p')
  digest=$(printf '%s' "$index" | sed -n 's/.*"digest": *"\(sha256:[0-9a-f]*\)".*/\1/p')
  if [ -n "$name" ] && [ -n "$digest" ] &&
    cluster_ctr images ls "name==$name" 2>/dev/null | awk 'NR > 1 {print $3}' | grep -qx "$digest"; then
    say "$name (already imported, $digest)"
    continue
  fi
  imported=$(cluster_ctr images import "$archive" 2>&1) || die "ctr images import $archive: $imported"
  printf '%s\n' "$imported" | sed -n 's/^unpacking \([^ ]*\) .*/\1/p' | while read -r name; do
    say "$name ($(basename "$archive"), $(($(date +%s) - started))s)"
  done
done
