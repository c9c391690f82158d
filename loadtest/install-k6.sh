#!/usr/bin/env bash
# Installs the pinned k6 into a cache directory when it is not there yet, and prints the binary's path (only the
# path, on stdout; progress goes to stderr). k6 is built from source with `go install`, so only Go is needed.
#
#   K6="$(loadtest/install-k6.sh)" && "$K6" version
#
# K6_VERSION   the module version to build (default below; keep @types/k6 in package.json on the same minor)
# K6_CACHE_DIR where binaries are kept (default ${XDG_CACHE_HOME:-~/.cache}/bazar/k6); one subdirectory per version
set -euo pipefail

version="${K6_VERSION:-v2.2.0}"
cache_dir="${K6_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/bazar/k6}"
bin_dir="$cache_dir/$version"
k6="$bin_dir/k6"

# Major versions from 2 on live at go.k6.io/k6/vN; v0 and v1 at go.k6.io/k6.
major="${version#v}"
major="${major%%.*}"
if [ "$major" -ge 2 ]; then module="go.k6.io/k6/v$major"; else module="go.k6.io/k6"; fi

if [ -x "$k6" ] && "$k6" version >/dev/null 2>&1; then
  echo "$k6"
  exit 0
fi

command -v go >/dev/null 2>&1 || {
  echo "install-k6: Go is required to build k6 ($module@$version); see https://go.dev/doc/install" >&2
  exit 1
}

echo "install-k6: building $module@$version with $(go version | cut -d' ' -f3) into $bin_dir (a cold build takes minutes)" >&2
mkdir -p "$bin_dir"
started=$SECONDS
# A temp GOBIN and a rename, so an interrupted build never leaves a half-written binary where the check above
# would trust it.
tmp_bin="$(mktemp -d "$bin_dir/.build.XXXXXX")"
trap 'rm -rf "$tmp_bin"' EXIT
# A throwaway module that requires k6 and builds its main package: the same module graph as `go install`, for
# module mirrors that serve the version but not the version list `go install` reads to look for deprecations.
build_in_module() {
  local dir="$tmp_bin/module"
  mkdir -p "$dir"
  (cd "$dir" && go mod init bazar.local/k6-build && go mod edit -require="$module@$version" &&
    go build -mod=mod -trimpath -o "$tmp_bin/k6" "$module")
}
if ! GOBIN="$tmp_bin" go install -trimpath "$module@$version" >&2; then
  echo "install-k6: go install failed; building $module@$version inside a throwaway module instead" >&2
  build_in_module >&2
fi
mv -f "$tmp_bin/k6" "$k6"
echo "install-k6: built in $((SECONDS - started)) s: $("$k6" version | head -n1)" >&2
echo "$k6"
