#!/usr/bin/env bash
# shellcheck disable=SC2034 # the versions are read by the scripts that source this file
# Pinned chart/workflow tools, built from source with `go install` into a cache dir (no binary downloads: this
# project's machines reach the Go module proxy but no release pages). Sourced by check-chart.sh; each tool lands
# in $BAZAR_TOOLS_DIR/<name>@<version>/, so bumping a version below rebuilds just that tool.
#
# Versions: the newest releases the module proxy serves that build with Go 1.26 (checked with `go list -m -versions`).
# kubectl-validate has no release after v0.0.4, whose built-in schemas stop at Kubernetes 1.30, so the 1.31 schemas
# come from the k8s.io/kubernetes module itself (api/openapi-spec/v3) and are passed with --local-schemas.

HELM_VERSION=v3.22.0
KUBECTL_VALIDATE_VERSION=v0.0.4
KUBE_LINTER_VERSION=v0.7.6
KUBE_SCORE_VERSION=v1.20.0
ACTIONLINT_VERSION=v1.7.12
# The Kubernetes release whose OpenAPI schemas the manifests are validated against (the chart's floor).
K8S_SCHEMA_VERSION=v1.31.14

BAZAR_TOOLS_DIR=${BAZAR_TOOLS_DIR:-${BAZAR_CACHE_DIR:-$HOME/.cache/bazar}/k8s-tools}

# tool_path NAME VERSION: where the binary lives once built.
tool_path() { printf '%s/%s@%s/%s' "$BAZAR_TOOLS_DIR" "$1" "$2" "$1"; }

# ensure_tool NAME VERSION PACKAGE: go install PACKAGE@VERSION unless already built; prints the binary's path.
ensure_tool() {
  local name=$1 version=$2 package=$3 bin
  bin=$(tool_path "$name" "$version")
  if [ ! -x "$bin" ]; then
    printf '   building %s %s (go install %s)\n' "$name" "$version" "$package" >&2
    GOBIN=$(dirname "$bin") GOFLAGS=-buildvcs=false CGO_ENABLED=0 go install "$package@$version" >&2 || return 1
  fi
  printf '%s' "$bin"
}

# ensure_k8s_schemas: the OpenAPI v3 documents of K8S_SCHEMA_VERSION laid out as kubectl-validate's
# --local-schemas wants them (api/v1.json, apis/<group>/<version>.json); prints the directory.
ensure_k8s_schemas() {
  local dir="$BAZAR_TOOLS_DIR/k8s-openapi@$K8S_SCHEMA_VERSION" src file name
  if [ ! -f "$dir/.complete" ]; then
    printf '   fetching Kubernetes %s OpenAPI schemas (go mod download k8s.io/kubernetes)\n' "$K8S_SCHEMA_VERSION" >&2
    src=$(cd "$BAZAR_TOOLS_DIR" && GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@$K8S_SCHEMA_VERSION" |
      sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p') || return 1
    [ -d "$src/api/openapi-spec/v3" ] || { echo "no api/openapi-spec/v3 in $src" >&2; return 1; }
    rm -rf "$dir" && mkdir -p "$dir"
    for file in "$src"/api/openapi-spec/v3/*_openapi.json; do
      # apis__apps__v1_openapi.json -> apis/apps/v1.json; api__v1_openapi.json -> api/v1.json
      name=$(basename "$file" _openapi.json)
      # Only group-versions: api__v1 and apis__<group>__<version> (not the per-group discovery documents).
      case "$name" in api__*__* | apis__*__*__*) continue ;; api__* | apis__*__*) ;; *) continue ;; esac
      name=${name//__//}
      mkdir -p "$dir/$(dirname "$name")"
      cp "$file" "$dir/$name.json"
    done
    touch "$dir/.complete"
  fi
  printf '%s' "$dir"
}

# For the local-cluster scripts (kind-up.sh): kind, built like the others when it is not installed.
KIND_VERSION=v0.33.0

# have_or_build NAME VERSION PACKAGE: the NAME on PATH if there is one, else a pinned build; prints its path.
have_or_build() {
  if command -v "$1" >/dev/null 2>&1; then command -v "$1"; else ensure_tool "$@"; fi
}

# print_cluster_diagnostics NAMESPACE: what a failed install or test needs to be understood.
print_cluster_diagnostics() {
  local ns=$1
  echo "--- pods ---"
  kubectl get pods -n "$ns" -o wide || true
  echo "--- events ---"
  kubectl get events -n "$ns" --sort-by=.lastTimestamp | tail -n 40 || true
  for pod in $(kubectl get pods -n "$ns" -o name 2>/dev/null); do
    echo "--- logs of $pod ---"
    kubectl logs -n "$ns" "$pod" --all-containers --tail=60 || true
  done
}
