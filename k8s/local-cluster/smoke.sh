#!/usr/bin/env bash
# With the local cluster up (up.sh): builds and imports the images, installs the chart into a namespace that
# enforces the `restricted` Pod Security Standard, waits until everything is ready, and runs `helm test`.
#   smoke.sh [extra helm args…]      e.g. smoke.sh -f charts/bazar/ci/laptop-values.yaml
# Environment: BAZAR_CHART (default: this checkout's charts/bazar), BAZAR_NAMESPACE (bazar), BAZAR_RELEASE (bazar),
# BAZAR_SKIP_IMAGES=1 (images already imported), BAZAR_TOOLS_DIR (where k8s/tools.sh keeps helm).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
SCRIPT_NAME=smoke
# shellcheck source=k8s/local-cluster/lib.sh
source "$here/lib.sh"
# shellcheck source=k8s/tools.sh
source "$repo/k8s/tools.sh"
chart=${BAZAR_CHART:-$repo/charts/bazar}
ns=${BAZAR_NAMESPACE:-bazar}
release=${BAZAR_RELEASE:-bazar}
export KUBECONFIG=$KUBECONFIG_ADMIN

cluster_kubectl get --raw /readyz >/dev/null 2>&1 || die "the local cluster is not running (up.sh)"
mkdir -p "$BAZAR_TOOLS_DIR"
HELM=$(ensure_tool helm "$HELM_VERSION" helm.sh/helm/v3/cmd/helm) || die "cannot build helm"

if [ "${BAZAR_SKIP_IMAGES:-0}" != 1 ]; then build_and_load_images "$repo"; fi

say "namespace $ns (pod-security.kubernetes.io/enforce=restricted)"
cluster_kubectl create namespace "$ns" --dry-run=client -o yaml | cluster_kubectl apply -f - >/dev/null
cluster_kubectl label --overwrite namespace "$ns" pod-security.kubernetes.io/enforce=restricted \
  pod-security.kubernetes.io/enforce-version=latest >/dev/null

say "helm upgrade --install $release $chart --wait --timeout 10m"
installed=$(date +%s)
if ! "$HELM" upgrade --install "$release" "$chart" -n "$ns" -f "$here/values-local.yaml" "$@" \
  --wait --timeout 10m; then
  print_cluster_diagnostics "$ns"
  die "helm install failed"
fi
say "installed and ready in $(($(date +%s) - installed))s"

say "helm test $release"
tested=$(date +%s)
if ! "$HELM" test "$release" -n "$ns" --logs --timeout 5m; then
  print_cluster_diagnostics "$ns"
  die "helm test failed"
fi
say "helm test passed in $(($(date +%s) - tested))s; total $(($(date +%s) - _started))s"
