#!/usr/bin/env bash
# Checks the Helm chart and the GitHub workflows without a cluster, with tools built from source (k8s/tools.sh):
#   1. helm lint --strict              the defaults and every charts/bazar/ci/*-values.yaml
#   2. helm template + kubectl-validate  each render against the Kubernetes 1.31 OpenAPI schemas
#   3. kube-linter                     each render, with charts/bazar/.kube-linter.yaml (every exception justified)
#   4. rendered example                charts/bazar/examples/rendered-default.yaml is what the chart renders now
#   5. values.schema.json              bad values are refused (each case below must fail to render)
#   6. actionlint                      .github/workflows/*.yml
# Prints progress; exits non-zero if any check fails. `--update-example` rewrites the rendered example.
# Environment: BAZAR_TOOLS_DIR (tool cache, default ~/.cache/bazar/k8s-tools), BAZAR_REQUIRE_KUBE_LINTER=1 (fail instead of
# falling back to kube-score when kube-linter cannot be built; CI on GitHub sets it).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=k8s/tools.sh
source k8s/tools.sh

CHART=charts/bazar
EXAMPLE=$CHART/examples/rendered-default.yaml
K8S_VERSION=${K8S_SCHEMA_VERSION#v}
OUT=.tmp/chart-check
UPDATE_EXAMPLE=false
[ "${1:-}" = --update-example ] && UPDATE_EXAMPLE=true

started=$(date +%s)
failures=()
step() { printf '\n== %s\n' "$*"; }
ok() { printf '   ok   %s\n' "$*"; }
bad() {
  printf '   FAIL %s\n' "$*"
  failures+=("$*")
}
# run WHAT CMD…: runs CMD, prints its output only when it fails.
run() {
  local what=$1 output
  shift
  if output=$("$@" 2>&1); then ok "$what"; else
    bad "$what"
    printf '%s\n' "$output" | sed 's/^/        /'
  fi
}

step "tools (built once into $BAZAR_TOOLS_DIR)"
command -v go >/dev/null || { echo "go is required to build the tools" >&2; exit 1; }
mkdir -p "$BAZAR_TOOLS_DIR" "$OUT"
HELM=$(ensure_tool helm "$HELM_VERSION" helm.sh/helm/v3/cmd/helm) || { echo "cannot build helm" >&2; exit 1; }
VALIDATE=$(ensure_tool kubectl-validate "$KUBECTL_VALIDATE_VERSION" sigs.k8s.io/kubectl-validate) ||
  { echo "cannot build kubectl-validate" >&2; exit 1; }
ACTIONLINT=$(ensure_tool actionlint "$ACTIONLINT_VERSION" github.com/rhysd/actionlint/cmd/actionlint) ||
  { echo "cannot build actionlint" >&2; exit 1; }
SCHEMAS=$(ensure_k8s_schemas) || { echo "cannot get the Kubernetes $K8S_VERSION schemas" >&2; exit 1; }
if KUBE_LINTER=$(ensure_tool kube-linter "$KUBE_LINTER_VERSION" golang.stackrox.io/kube-linter/cmd/kube-linter 2>"$OUT/kube-linter-build.log"); then
  LINTER=kube-linter
elif [ "${BAZAR_REQUIRE_KUBE_LINTER:-0}" = 1 ]; then
  cat "$OUT/kube-linter-build.log" >&2
  echo "cannot build kube-linter $KUBE_LINTER_VERSION" >&2
  exit 1
else
  # Some module proxies refuse golang.stackrox.io (this project's development machines do): lint with kube-score,
  # which checks the same ground (probes, resources, security context, PDBs, NetworkPolicies), rather than not at all.
  printf '   kube-linter %s cannot be built here (%s); linting with kube-score %s instead\n' "$KUBE_LINTER_VERSION" \
    "$(grep -m1 -o '403 Forbidden\|not available\|no matching versions\|proxy.*refused' "$OUT/kube-linter-build.log" || echo 'see .tmp/chart-check/kube-linter-build.log')" "$KUBE_SCORE_VERSION"
  KUBE_SCORE=$(ensure_tool kube-score "$KUBE_SCORE_VERSION" github.com/zegl/kube-score/cmd/kube-score) ||
    { echo "cannot build kube-score either" >&2; exit 1; }
  LINTER=kube-score
fi
ok "helm $HELM_VERSION, kubectl-validate $KUBECTL_VALIDATE_VERSION (Kubernetes $K8S_VERSION schemas), $LINTER, actionlint $ACTIONLINT_VERSION ($(($(date +%s) - started))s)"

# Every values profile: the defaults, then each ci file.
profiles=(chart-defaults)
for file in "$CHART"/ci/*-values.yaml; do profiles+=("$(basename "$file" -values.yaml)"); done
values_args() { if [ -f "$CHART/ci/$1-values.yaml" ]; then printf '%s\n' -f "$CHART/ci/$1-values.yaml"; fi; }
helm_template() { "$HELM" template bazar "$CHART" --namespace bazar --kube-version "$K8S_VERSION" "$@"; }

step "helm lint --strict"
for profile in "${profiles[@]}"; do
  mapfile -t args < <(values_args "$profile")
  run "lint $profile" "$HELM" lint --strict --kube-version "$K8S_VERSION" "$CHART" "${args[@]}"
done

step "helm template + kubectl-validate (Kubernetes $K8S_VERSION)"
for profile in "${profiles[@]}"; do
  mapfile -t args < <(values_args "$profile")
  if ! helm_template "${args[@]}" >"$OUT/$profile.yaml" 2>"$OUT/$profile.err"; then
    bad "render $profile"
    sed 's/^/        /' "$OUT/$profile.err"
    continue
  fi
  kinds=$(grep -c '^kind:' "$OUT/$profile.yaml")
  run "validate $profile ($kinds objects)" "$VALIDATE" --local-schemas "$SCHEMAS" "$OUT/$profile.yaml"
done

step "$LINTER"
for profile in "${profiles[@]}"; do
  [ -s "$OUT/$profile.yaml" ] || continue
  if [ "$LINTER" = kube-linter ]; then
    run "kube-linter $profile" "$KUBE_LINTER" lint --config "$CHART/.kube-linter.yaml" "$OUT/$profile.yaml"
  else
    # The same exceptions as .kube-linter.yaml, in kube-score's terms:
    #  container-image-pull-policy        kind and minikube run images loaded into the node: IfNotPresent, not Always
    #  container-security-context-user-group-id  the official images run as their own fixed non-root users
    #                                     (postgres and redis 999, curl 100, node 1000); non-root is enforced
    #  container-ephemeral-storage-request-and-limit  the root filesystem is read-only; every writable emptyDir
    #                                     has a sizeLimit
    #  pod-networkpolicy                  NetworkPolicies are opt-in (the networkpolicy profile covers every pod)
    #  deployment-replicas                Redis, the collector and Jaeger are single pods by design, and so is every
    #                                     service in the laptop profile; the default frontend runs 2 pods
    run "kube-score $profile" "$KUBE_SCORE" score --output-format ci --exit-one-on-warning \
      --ignore-test deployment-replicas \
      --ignore-test container-image-pull-policy \
      --ignore-test container-security-context-user-group-id \
      --ignore-test container-ephemeral-storage-request-and-limit \
      --ignore-test pod-networkpolicy \
      "$OUT/$profile.yaml"
  fi
done

step "rendered example ($EXAMPLE)"
if helm_template -f "$CHART/ci/default-values.yaml" >"$OUT/example.yaml" 2>"$OUT/example.err"; then
  if $UPDATE_EXAMPLE; then
    cp "$OUT/example.yaml" "$EXAMPLE"
    ok "rewrote $EXAMPLE"
  elif diff -u "$EXAMPLE" "$OUT/example.yaml" >"$OUT/example.diff"; then
    ok "no drift"
  else
    bad "$EXAMPLE is out of date: run 'bash k8s/check-chart.sh --update-example' and commit it"
    head -n 40 "$OUT/example.diff" | sed 's/^/        /'
  fi
else
  bad "render the example"
  sed 's/^/        /' "$OUT/example.err"
fi

step "values.schema.json refuses bad values"
printf 'replicaCount: 3\n' >"$OUT/bad-top-level-key.yaml"
printf 'frontend:\n  cache:\n    store: memory\n    ttl: 30s\n' >"$OUT/bad-nested-key.yaml"
# NAME|EXPECTED (grep -E on helm's error)|ARGS… (one per |)
bad_cases=(
  "unknown top-level key|additional properties 'replicaCount' not allowed|-f|$OUT/bad-top-level-key.yaml"
  "unknown nested key (typo)|additional properties 'ttl' not allowed|-f|$OUT/bad-nested-key.yaml"
  "zero frontend replicas|frontend/replicaCount|--set|frontend.replicaCount=0"
  "unknown cache store|frontend/cache/store|--set|frontend.cache.store=memcached"
  "image tag latest|image/tag|--set|image.tag=latest"
  "postgres other than 15.x|postgresql/image|--set|postgresql.image.tag=16.4"
  "short admin token|auth/adminToken|--set|auth.adminToken=short"
  "password unsafe in a URL|auth/catalogPassword|--set|auth.catalogPassword=p@ss/word:0123456789"
  "seed stock not a number|catalog/seedStock|--set-string|catalog.seedStock=many"
  "node port out of range|frontend/service/nodePort|--set|frontend.service.type=NodePort,frontend.service.nodePort=80"
  "service type LoadBalancer|frontend/service/type|--set|frontend.service.type=LoadBalancer"
  "CIDR that is not one|postgresql/allowedCidrs|--set|postgresql.allowedCidrs[0]=everyone"
  "memory quantity without unit|frontend/resources/limits/memory|--set|frontend.resources.limits.memory=lots"
  "missing resource limit|missing property .limits.|--set|frontend.resources.limits=null"
  "standby name not an identifier|postgresql/standbyName|--set|postgresql.standbyName=Bazar-Replica"
  "redis cache without a redis|needs redis.enabled|--set|frontend.cache.store=redis"
  "jaeger without the collector|needs otel.collector.enabled|--set|otel.jaeger.enabled=true"
)
for case in "${bad_cases[@]}"; do
  IFS='|' read -r -a parts <<<"$case"
  name=${parts[0]} expected=${parts[1]}
  if output=$(helm_template "${parts[@]:2}" 2>&1 >/dev/null); then
    bad "accepted: $name (${parts[*]:2})"
  elif grep -Eq -- "$expected" <<<"$output"; then
    ok "refused: $name"
  else
    bad "refused for another reason than expected: $name (wanted /$expected/)"
    printf '%s\n' "$output" | head -n 8 | sed 's/^/        /'
  fi
done

step "actionlint"
mapfile -t workflows < <(ls .github/workflows/*.yml .github/workflows/*.yaml 2>/dev/null)
if [ ${#workflows[@]} -eq 0 ]; then bad "no workflows in .github/workflows"; else
  run "actionlint ${workflows[*]}" "$ACTIONLINT" "${workflows[@]}"
fi

printf '\n'
if [ ${#failures[@]} -gt 0 ]; then
  printf 'check-chart: %d check(s) failed in %ss:\n' "${#failures[@]}" "$(($(date +%s) - started))"
  printf '  - %s\n' "${failures[@]}"
  exit 1
fi
printf 'check-chart: all checks passed in %ss\n' "$(($(date +%s) - started))"
