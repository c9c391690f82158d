#!/usr/bin/env bash
# From nothing to a running Bazar on a local kind cluster, checked end to end:
#   1. a kind cluster (k8s/kind-config.yaml: the storefront on http://localhost:8080/)
#   2. the Bazar image (k8s/Dockerfile), loaded into the cluster's node
#   3. helm upgrade --install --wait with the laptop profile (1 pod per service) + k8s/kind-values.yaml
#   4. helm test (buys a book, checks read-after-write and cache invalidation through the frontend Service)
#   5. a short k6 smoke test through localhost:8080, if k6 is installed and loadtest/scenarios/smoke.ts exists
# Needs docker and kubectl; kind and helm are used from PATH or built with `go install` (k8s/tools.sh).
# Environment: BAZAR_KIND_CLUSTER (bazar), BAZAR_NAMESPACE (bazar), BAZAR_RELEASE (bazar), BAZAR_IMAGE (bazar:dev),
# BAZAR_HELM_ARGS (extra helm arguments, e.g. "-f charts/bazar/ci/redis-otel-values.yaml").
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=k8s/tools.sh
source k8s/tools.sh

CLUSTER=${BAZAR_KIND_CLUSTER:-bazar}
NAMESPACE=${BAZAR_NAMESPACE:-bazar}
RELEASE=${BAZAR_RELEASE:-bazar}
IMAGE=${BAZAR_IMAGE:-bazar:dev}
# The chart names its resources <release>-bazar, or just <release> when that already says bazar.
FULLNAME=$([[ $RELEASE == *bazar* ]] && echo "$RELEASE" || echo "$RELEASE-bazar")
started=$(date +%s)
step() { printf '\n== [%ss] %s\n' "$(($(date +%s) - started))" "$*"; }

for tool in docker kubectl; do
  command -v "$tool" >/dev/null || { echo "kind-up: $tool is required" >&2; exit 1; }
done
docker info >/dev/null 2>&1 || { echo "kind-up: the Docker engine is not reachable" >&2; exit 1; }
KIND=$(have_or_build kind "$KIND_VERSION" sigs.k8s.io/kind)
HELM=$(have_or_build helm "$HELM_VERSION" helm.sh/helm/v3/cmd/helm)

step "kind cluster '$CLUSTER'"
if "$KIND" get clusters 2>/dev/null | grep -qx "$CLUSTER"; then
  echo "already exists"
else
  "$KIND" create cluster --name "$CLUSTER" --config k8s/kind-config.yaml --wait 180s
fi
kubectl config use-context "kind-$CLUSTER" >/dev/null

step "image $IMAGE"
docker build -f k8s/Dockerfile -t "$IMAGE" .
"$KIND" load docker-image "$IMAGE" --name "$CLUSTER"

step "helm upgrade --install $RELEASE (namespace $NAMESPACE)"
trap 'print_cluster_diagnostics "$NAMESPACE"' ERR
# shellcheck disable=SC2086 # BAZAR_HELM_ARGS is a list of arguments
"$HELM" upgrade --install "$RELEASE" charts/bazar --namespace "$NAMESPACE" --create-namespace \
  -f charts/bazar/ci/laptop-values.yaml -f k8s/kind-values.yaml \
  --set image.repository="${IMAGE%:*}" --set image.tag="${IMAGE##*:}" \
  ${BAZAR_HELM_ARGS:-} --wait --timeout 10m

step "helm test"
"$HELM" test "$RELEASE" --namespace "$NAMESPACE" --logs --timeout 5m

step "storefront on http://localhost:8080/"
curl -fsS --retry 10 --retry-delay 1 --retry-all-errors http://localhost:8080/readyz >/dev/null
echo "ready"

if command -v k6 >/dev/null && [ -f loadtest/scenarios/smoke.ts ]; then
  step "k6 smoke"
  BASE_URL=http://localhost:8080 k6 run loadtest/scenarios/smoke.ts
else
  step "k6 smoke skipped (needs k6 on PATH and loadtest/scenarios/smoke.ts)"
fi
trap - ERR

cat <<DONE

Bazar runs on kind cluster '$CLUSTER' in $(($(date +%s) - started))s.
  Storefront   http://localhost:8080/
  Admin token  kubectl get secret $FULLNAME -n $NAMESPACE -o jsonpath='{.data.admin-token}' | base64 -d
  Pods         kubectl get pods -n $NAMESPACE
  Remove       kind delete cluster --name $CLUSTER
DONE
