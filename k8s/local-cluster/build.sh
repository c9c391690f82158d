#!/usr/bin/env bash
# Builds the Kubernetes components the local cluster runs (kube-apiserver, kube-controller-manager, kube-scheduler,
# kubelet, kube-proxy) and CoreDNS from the Go module proxy, once per version, into a cache outside any clone:
#   ${BAZAR_CACHE_DIR:-$HOME/.cache/bazar}/k8s/<K8S_VERSION>/     (a .complete marker says the build finished)
# A warm run only checks the marker. A cold run takes about 15 minutes on 2 cores; it runs under `nice` so that it
# does not starve whatever else the machine is doing.
#
# Why a throwaway module: k8s.io/kubernetes points its staging modules (k8s.io/api, client-go, …) at ./staging with
# `replace`, which only works inside its own tree, so a module that requires it must replace each of them with a
# published version. The proxy here refuses some patch releases' zips (403); those use the nearest one it serves.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=k8s/local-cluster/versions.sh
source "$here/versions.sh"

started=$(date +%s)
out=$K8S_BIN_DIR
say() { printf '[build %4ss] %s\n' "$(($(date +%s) - started))" "$*"; }

command -v go >/dev/null || { echo "go is required (Go >= 1.22)" >&2; exit 1; }

if [ -f "$out/.complete" ] && [ -x "$COREDNS_BIN" ]; then
  say "cached: $out ($(tr '\n' ' ' <"$out/.complete"))"
  exit 0
fi
mkdir -p "$out"

# staging_version MODULE: the version of a staging module the proxy serves for this release.
staging_version() {
  case "$1" in
    k8s.io/kube-scheduler | k8s.io/kube-controller-manager | k8s.io/endpointslice) echo "$K8S_STAGING_FALLBACK" ;;
    k8s.io/kube-proxy) echo "$K8S_PROXY_STAGING_VERSION" ;;
    *) echo "$K8S_STAGING_VERSION" ;;
  esac
}

if [ ! -f "$out/.complete" ]; then
  work=$out/.module
  rm -rf "$work" && mkdir -p "$work"
  say "fetching k8s.io/kubernetes $K8S_VERSION"
  src=$(cd "$work" && GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@$K8S_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -f "$src/go.mod" ] || { echo "cannot download k8s.io/kubernetes@$K8S_VERSION" >&2; exit 1; }
  # Every module k8s.io/kubernetes replaces with ./staging/src/<module>.
  mapfile -t staging < <(sed -n 's#^[[:space:]]*\(k8s\.io/[a-z-]*\) => \./staging/src/.*#\1#p' "$src/go.mod")
  say "writing the build module (${#staging[@]} staging modules replaced)"
  {
    echo "module bazar.local/k8s-build"
    echo
    echo "go 1.22"
    echo
    echo "require k8s.io/kubernetes $K8S_VERSION"
    echo
    echo "replace ("
    for module in "${staging[@]}"; do printf '\t%s => %s %s\n' "$module" "$module" "$(staging_version "$module")"; done
    echo ")"
  } >"$work/go.mod"
  packages=(k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy)
  say "resolving dependencies (go get)"
  # Each package at the release's version: a bare `go get` would move k8s.io/kubernetes to its newest release.
  (cd "$work" && GOFLAGS=-mod=mod nice -n 10 go get "${packages[@]/%/@$K8S_VERSION}")
  minor=${K8S_VERSION#v1.} && minor=${minor%%.*}
  say "compiling ${packages[*]##*/} (nice -n 10; the long part)"
  (cd "$work" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false nice -n 10 go build -trimpath -o "$out/" \
    -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor" \
    "${packages[@]}")
  rm -rf "$work"
  for bin in kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy; do
    [ -x "$out/$bin" ] || { echo "missing $out/$bin" >&2; exit 1; }
  done
  "$out/kube-apiserver" --version >"$out/.complete"
  say "built: $(cat "$out/.complete")"
fi

if [ ! -x "$COREDNS_BIN" ]; then
  say "building CoreDNS $COREDNS_VERSION (go install)"
  GOBIN=$(dirname "$COREDNS_BIN") CGO_ENABLED=0 GOFLAGS=-buildvcs=false nice -n 10 \
    go install -trimpath -ldflags "-s -w" "github.com/coredns/coredns@$COREDNS_VERSION"
fi
say "done: $out, $COREDNS_BIN ($(($(date +%s) - started))s)"
