#!/usr/bin/env bash
# From nothing to a running Bazar on minikube, checked end to end: start minikube if needed, build the image inside
# it, helm upgrade --install --wait (laptop profile), helm test, and a short k6 smoke test through a port-forward if
# k6 is installed and loadtest/scenarios/smoke.ts exists. Needs minikube and kubectl; helm comes from PATH or is
# built with `go install` (k8s/tools.sh).
# Environment: BAZAR_NAMESPACE (bazar), BAZAR_RELEASE (bazar), BAZAR_IMAGE (bazar:dev), BAZAR_HELM_ARGS,
# MINIKUBE_FLAGS (default "--cpus 2 --memory 4096").
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=k8s/tools.sh
source k8s/tools.sh

NAMESPACE=${BAZAR_NAMESPACE:-bazar}
RELEASE=${BAZAR_RELEASE:-bazar}
IMAGE=${BAZAR_IMAGE:-bazar:dev}
# The chart names its resources <release>-bazar, or just <release> when that already says bazar.
FULLNAME=$([[ $RELEASE == *bazar* ]] && echo "$RELEASE" || echo "$RELEASE-bazar")
started=$(date +%s)
step() { printf '\n== [%ss] %s\n' "$(($(date +%s) - started))" "$*"; }

for tool in minikube kubectl; do
  command -v "$tool" >/dev/null || { echo "minikube-up: $tool is required" >&2; exit 1; }
done
HELM=$(have_or_build helm "$HELM_VERSION" helm.sh/helm/v3/cmd/helm)

step "minikube"
if minikube status >/dev/null 2>&1; then echo "already running"; else
  # shellcheck disable=SC2086 # MINIKUBE_FLAGS is a list of flags
  minikube start ${MINIKUBE_FLAGS:---cpus 2 --memory 4096}
fi
kubectl config use-context minikube >/dev/null

step "image $IMAGE (built inside minikube)"
minikube image build -t "$IMAGE" -f k8s/Dockerfile .

step "helm upgrade --install $RELEASE (namespace $NAMESPACE)"
trap 'print_cluster_diagnostics "$NAMESPACE"' ERR
# shellcheck disable=SC2086 # BAZAR_HELM_ARGS is a list of arguments
"$HELM" upgrade --install "$RELEASE" charts/bazar --namespace "$NAMESPACE" --create-namespace \
  -f charts/bazar/ci/laptop-values.yaml \
  --set image.repository="${IMAGE%:*}" --set image.tag="${IMAGE##*:}" --set image.pullPolicy=Never \
  ${BAZAR_HELM_ARGS:-} --wait --timeout 10m

step "helm test"
"$HELM" test "$RELEASE" --namespace "$NAMESPACE" --logs --timeout 5m

if command -v k6 >/dev/null && [ -f loadtest/scenarios/smoke.ts ]; then
  step "k6 smoke (through kubectl port-forward on localhost:8080)"
  kubectl port-forward -n "$NAMESPACE" "svc/$FULLNAME-frontend" 8080:80 >/dev/null &
  forward=$!
  curl -fsS --retry 20 --retry-delay 1 --retry-all-errors http://localhost:8080/readyz >/dev/null
  BASE_URL=http://localhost:8080 k6 run loadtest/scenarios/smoke.ts
  kill "$forward"
else
  step "k6 smoke skipped (needs k6 on PATH and loadtest/scenarios/smoke.ts)"
fi
trap - ERR

cat <<DONE

Bazar runs on minikube in $(($(date +%s) - started))s.
  Storefront   kubectl port-forward -n $NAMESPACE svc/$FULLNAME-frontend 8080:80, then http://localhost:8080/
               (or: minikube service $FULLNAME-frontend -n $NAMESPACE --url)
  Admin token  kubectl get secret $FULLNAME -n $NAMESPACE -o jsonpath='{.data.admin-token}' | base64 -d
  Remove       minikube delete
DONE
