#!/usr/bin/env bash
# End to end on this machine's own Kubernetes (k8s/local-cluster/): build (cached) and start the cluster, build and
# import the images, then
#   1. install the chart with its defaults, with ci/laptop-values.yaml and with NetworkPolicies on, each into a
#      namespace that enforces the `restricted` Pod Security Standard, each followed by `helm test`;
#   2. under a small load (k8s/local-cluster/load.mjs: buyers with their own session and Idempotency-Keys, readers)
#      delete a catalog pod, an order pod and the Postgres replica pod one after another, timing each recovery;
#      pass: no purchase failed after its one retry, stock taken = distinct orders, no order doubled;
#   3. under the same load, a `helm upgrade` that rolls every Deployment and StatefulSet but the Postgres primary;
#      pass: zero failed requests (any non-2xx or error, retried or not); then one that rolls the primary, the
#      only pod with no second: writes may fail while it restarts (I6), reads only where a cache entry expired
#      meanwhile (503 database_unavailable: no replica read without a lease, I2; primary_unavailable for a book
#      with a write in flight, read from the primary only, I12), nothing may be lost;
#   4. the pair under Patroni (postgresql.ha.enabled, ci/ha-values.yaml, NetworkPolicies on), in place of the
#      default release: install + helm test, then under load the leader's pod is deleted; pass: a new primary by
#      itself, the old one back as the standby, purchases failing only as fast 503s and only within 10 s of the
#      deletion (writes resume by themselves), reads only as those same 503s, the invariants;
#   after each load, purchases that failed after their retry are asked again with their key, and the stock taken
#   must equal the new orders listed by GET /orders (admin), each matched to exactly one key the buyers used;
# prints a summary and always takes the cluster down again (down.sh).
#
# Usage: bash k8s/cluster-e2e.sh        (root: the cluster needs a bridge, iptables, containerd)
# Environment: E2E_BUDGET_S (total seconds, default 1500), E2E_BOOK_ID (the book the load buys, default 7),
# E2E_KEEP_CLUSTER=1 (leave it up, for debugging), BAZAR_TOOLS_DIR (where k8s/tools.sh keeps helm).
set -Eeuo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
lc=$here/local-cluster
SCRIPT_NAME=e2e
# shellcheck source=k8s/local-cluster/lib.sh
source "$lc/lib.sh"
# shellcheck source=k8s/tools.sh
source "$here/tools.sh"
export KUBECONFIG=$KUBECONFIG_ADMIN

budget=${E2E_BUDGET_S:-1500}
book=${E2E_BOOK_ID:-7}
end_by=$((_started + budget))
release=bazar
ns_default=bazar-e2e
ns_laptop=bazar-e2e-laptop
ns_netpol=bazar-e2e-netpol
ns_ha=bazar-e2e-ha
work=$(mktemp -d "${TMPDIR:-/tmp}/bazar-e2e.XXXXXX")
load_pid=
archiver_pid=
cluster_ours=0
failed=()
summary=()
diag_ns=()

# --- helpers -------------------------------------------------------------------------------------------------

left() { echo $((end_by - $(date +%s))); }
# bounded SECONDS: SECONDS, or what is left of the budget if that is less (at least 1).
bounded() {
  local l
  l=$(left)
  if [ "$l" -lt 1 ]; then die "the time budget (${budget}s) ran out"; fi
  if [ "$1" -lt "$l" ]; then echo "$1"; else echo "$l"; fi
}
stage_started=0
stage() {
  stage_name=$1
  stage_started=$(date +%s)
  say "== $stage_name"
}
stage_done() {
  local took=$(($(date +%s) - stage_started))
  summary+=("$(printf '%-44s %5ss' "$stage_name" "$took")")
  say "== $stage_name: done in ${took}s"
}
fail() {
  say "FAIL: $*"
  failed+=("$*")
}

cleanup() {
  local rc=$?
  set +e
  trap - ERR
  if [ -n "$archiver_pid" ]; then kill "$archiver_pid" 2>/dev/null && wait "$archiver_pid" 2>/dev/null; fi
  if [ -n "$load_pid" ] && kill -0 "$load_pid" 2>/dev/null; then kill -TERM "$load_pid" && wait "$load_pid"; fi
  if [ "$rc" != 0 ] || [ "${#failed[@]}" -gt 0 ]; then
    for ns in "${diag_ns[@]}"; do
      [ -n "$ns" ] || continue
      echo "=== diagnostics of namespace $ns ==="
      print_cluster_diagnostics "$ns"
    done
  fi
  if [ "$cluster_ours" = 0 ]; then
    : # up.sh never ran: whatever cluster is there is not this run's to take down
  elif [ "${E2E_KEEP_CLUSTER:-0}" = 1 ]; then
    say "E2E_KEEP_CLUSTER=1: the cluster stays up (bash k8s/local-cluster/down.sh)"
  else
    say "down.sh"
    bash "$lc/down.sh" >"$work/down.log" 2>&1 || { cat "$work/down.log"; rc=1; }
  fi
  if [ "$rc" = 0 ]; then rm -rf "$work"; else say "logs kept in $work"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'say "error: line $LINENO: $BASH_COMMAND exited with $?"' ERR
trap 'exit 130' INT TERM

# restricted_namespace NS: created (or kept) with the `restricted` Pod Security Standard enforced.
restricted_namespace() {
  kubectl create namespace "$1" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
  kubectl label --overwrite namespace "$1" pod-security.kubernetes.io/enforce=restricted \
    pod-security.kubernetes.io/enforce-version=latest >/dev/null
}

# install NS [helm args…]: helm upgrade --install --wait, then helm test; fails the run on either.
install() {
  local ns=$1 t
  shift
  restricted_namespace "$ns"
  diag_ns+=("$ns")
  t=$(date +%s)
  "$HELM" upgrade --install "$release" "$repo/charts/bazar" -n "$ns" -f "$lc/values-local.yaml" "$@" \
    --wait --timeout "$(bounded 600)s" >"$work/helm-$ns.log" 2>&1 ||
    { cat "$work/helm-$ns.log"; die "helm install into $ns failed"; }
  say "installed into $ns and ready in $(($(date +%s) - t))s"
  helm_test "$ns"
}
helm_test() {
  local t
  t=$(date +%s)
  "$HELM" test "$release" -n "$1" --logs --timeout "$(bounded 300)s" >"$work/test-$1.log" 2>&1 ||
    { cat "$work/test-$1.log"; die "helm test in $1 failed"; }
  say "helm test in $1 passed in $(($(date +%s) - t))s ($(grep -c '^ok' "$work/test-$1.log") checks)"
}
uninstall() {
  "$HELM" uninstall "$release" -n "$1" --wait --timeout "$(bounded 180)s" >/dev/null
  kubectl delete namespace "$1" --wait=true --timeout="$(bounded 180)s" >/dev/null
  diag_ns=("${diag_ns[@]/$1/}")
  say "uninstalled, namespace $1 deleted"
}

# api METHOD PATH [curl args…]: the frontend Service from this host, as admin; prints the body, fails on non-2xx.
api() {
  local method=$1 path=$2
  shift 2
  curl -fsS --max-time 10 -X "$method" -H "Authorization: Bearer $admin_token" -H 'Content-Type: application/json' \
    "$@" "$base_url$path"
}
json() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s);console.log(eval(process.argv[1]))})' "$1"; }

# orders_of_book: the ids of every order of $book (GET /orders, admin, paged), one per line.
orders_of_book() {
  local cursor='' page
  while :; do
    page=$(api GET "/orders?limit=500${cursor:+&cursor=$cursor}")
    printf '%s' "$page" | json "v.items.filter(o=>o.bookId===$book).map(o=>o.orderId).join('\n')" | sed '/^$/d'
    cursor=$(printf '%s' "$page" | json 'v.nextCursor ?? ""')
    [ -n "$cursor" ] || break
  done
}
quantity() { api GET "/info/$book" | json 'v.quantity'; }

# start_load LABEL: load.mjs in the background against the default release.
start_load() {
  load_label=$1
  BASE_URL=$base_url BOOK_ID=$book READ_IDS="$book,1,2,3" BUYERS=3 READERS=2 LABEL=$1 MAX_SECONDS="$(bounded 600)" \
    OUT="$work/load-$1.json" node "$lc/load.mjs" 2>"$work/load-$1.log" &
  load_pid=$!
}
# stop_load: SIGTERM, then the summary it wrote (within 90 s: requests have a 5 s deadline, unconfirmed purchases
# are asked again for up to 30 s).
stop_load() {
  local waited=0
  kill -TERM "$load_pid"
  while kill -0 "$load_pid" 2>/dev/null; do
    [ "$waited" -lt 180 ] || { kill -KILL "$load_pid"; fail "load generator did not stop"; break; }
    sleep 0.5
    waited=$((waited + 1))
  done
  wait "$load_pid" || fail "load generator ($load_label) exited with $?"
  load_pid=
  grep -v 'purchases .* sent, .* failed; reads' "$work/load-$load_label.log" | sed 's/^/    /' || true
}
load_field() { json "$2" <"$work/load-$1.json"; }

# check_invariants LABEL QUANTITY_BEFORE ORDERS_BEFORE_FILE: stock taken = distinct orders; none doubled; every
# order the buyers were given exists.
check_invariants() {
  local label=$1 q0=$2 before=$3 q1 taken new dup ok_orders missing
  q1=$(quantity)
  orders_of_book >"$work/orders-after-$label"
  new=$(sort "$work/orders-after-$label" | comm -13 <(sort "$before") - | wc -l)
  dup=$(sort "$work/orders-after-$label" | uniq -d | wc -l)
  taken=$((q0 - q1))
  ok_orders=$(load_field "$label" 'v.distinctOrderIds')
  load_field "$label" 'v.orders.map(o=>o.orderId).join("\n")' | sed '/^$/d' | sort -u >"$work/given-$label"
  missing=$(sort "$work/orders-after-$label" | comm -23 "$work/given-$label" - | wc -l)
  say "invariants ($label): stock $q0 -> $q1 (taken $taken); new orders of book $book: $new; orders the buyers got: $ok_orders; duplicated order ids: $dup; given but missing: $missing"
  [ "$taken" = "$new" ] || fail "$label: stock taken ($taken) != new orders ($new)"
  [ "$new" = "$ok_orders" ] || fail "$label: new orders ($new) != distinct orders the buyers were given ($ok_orders)"
  [ "$dup" = 0 ] || fail "$label: $dup order ids listed twice"
  [ "$missing" = 0 ] || fail "$label: $missing orders the buyers were given are not listed"
  [ "$(load_field "$label" 'v.unresolved.length')" = 0 ] ||
    fail "$label: purchases whose outcome stayed unknown: $(load_field "$label" 'JSON.stringify(v.unresolved)')"
  [ "$(load_field "$label" 'v.orderIdsSeenTwice.length + v.wrongBook')" = 0 ] ||
    fail "$label: one order id answered for two keys, or an order of another book"
}

# pod_ready_uid POD [NS]: the pod's uid if it is Ready, else nothing.
pod_ready_uid() {
  kubectl get pod "$1" -n "${2:-$ns_default}" -o \
    jsonpath='{.metadata.uid}{" "}{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null |
    sed -n 's/^\([^ ]*\) True$/\1/p'
}
# kill_and_time COMPONENT: deletes the first pod of COMPONENT and waits (bounded) until its StatefulSet has it back
# Ready (a new pod of the same name); records the recovery time.
kill_and_time() {
  local component=$1 pod uid t deadline now_uid
  pod=$(kubectl get pods -n "$ns_default" -l "app.kubernetes.io/component=$component" -o jsonpath='{.items[0].metadata.name}')
  uid=$(pod_ready_uid "$pod")
  [ -n "$uid" ] || { fail "$pod is not Ready before its deletion"; return; }
  t=$(date +%s.%N)
  kubectl delete pod "$pod" -n "$ns_default" --wait=false >/dev/null
  deadline=$(($(date +%s) + $(bounded 180)))
  while :; do
    now_uid=$(pod_ready_uid "$pod")
    if [ -n "$now_uid" ] && [ "$now_uid" != "$uid" ]; then break; fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      fail "$pod not back Ready within 180s"
      return
    fi
    sleep 0.2
  done
  recovery=$(printf '%.1f' "$(echo "$(date +%s.%N) - $t" | bc)")
  say "deleted $pod: back Ready in ${recovery}s"
  summary+=("$(printf '  pod kill %-34s %5ss' "$pod (recovery)" "$recovery")")
}

# check_reads_fail_only_without_primary LABEL: every failed read of the load was a 503 saying there was no primary
# to read from: database_unavailable (no primary, and no replica read without a lease, I2) or primary_unavailable
# (a book with a write in flight is read from the primary only, I12).
check_reads_fail_only_without_primary() {
  local other
  other=$(load_field "$1" 'JSON.stringify(v.failures.filter(f=>f.kind.startsWith("read")&&!(f.status===503&&["database_unavailable","primary_unavailable"].includes(f.code))))')
  [ "$other" = "[]" ] || fail "$1: reads that failed other than with 503 database_unavailable/primary_unavailable: $other"
  say "$1: reads failed after their retry: $(load_field "$1" 'v.reads.failed'), each a 503 database_unavailable or primary_unavailable"
}

# report_load LABEL: sent/failed/retried of one load run into the summary.
report_load() {
  local l=$1
  # shellcheck disable=SC2016 # a JavaScript template literal, not shell
  summary+=("$(load_field "$l" '`  load during '"$l"': purchases ${v.purchases.sent} sent, ${v.purchases.firstFailed} failed at first, ${v.purchases.retriedOk} of them ok on retry, ${v.purchases.failed} failed after retry (${v.resolvedLater} resolved later with their key); reads ${v.reads.sent} sent, ${v.reads.firstFailed} failed at first, ${v.reads.failed} after retry`')")
}

# --- 1. the cluster and the images ----------------------------------------------------------------------------

stage "build.sh (cached)"
bash "$lc/build.sh" >"$work/build.log" 2>&1 || { tail -n 40 "$work/build.log"; die "build.sh failed"; }
stage_done
stage "up.sh"
if [ -d "$CLUSTER_DIR" ] && [ -n "$(ls -A "$CLUSTER_DIR")" ]; then
  die "a cluster is already running in $CLUSTER_DIR (another run?): bash k8s/local-cluster/down.sh first"
fi
cluster_ours=1
bash "$lc/up.sh" >"$work/up.log" 2>&1 || { tail -n 40 "$work/up.log"; die "up.sh failed"; }
stage_done
# The kubelet removes a replaced pod's logs with it: copied here every second, kept with the run's logs on failure.
mkdir -p "$work/pod-logs"
(while :; do
  cp -ru "$CLUSTER_DIR/pod-logs/." "$work/pod-logs/" 2>/dev/null
  sleep 1
done) &
archiver_pid=$!
stage "helm, images (build + import)"
mkdir -p "$BAZAR_TOOLS_DIR"
HELM=$(ensure_tool helm "$HELM_VERSION" helm.sh/helm/v3/cmd/helm) || die "cannot build helm"
build_and_load_images "$repo"
stage_done

# --- 2. installs + helm test ----------------------------------------------------------------------------------

no_rate_limits=(--set frontend.rateLimits.requests=0 --set frontend.rateLimits.purchases=0)
stage "install defaults ($ns_default) + helm test"
install "$ns_default" "${no_rate_limits[@]}"
stage_done
stage "install ci/laptop-values.yaml ($ns_laptop)"
install "$ns_laptop" -f "$repo/charts/bazar/ci/laptop-values.yaml"
uninstall "$ns_laptop"
stage_done
# Laptop-sized as well: beside the default release, the default requests would not fit 2 CPUs.
stage "install networkPolicy.enabled=true ($ns_netpol)"
say "NetworkPolicy enforcement is NOT checked: the CNI bridge plugin ignores policies (installs + helm test only)"
install "$ns_netpol" -f "$repo/charts/bazar/ci/laptop-values.yaml" -f "$repo/charts/bazar/ci/networkpolicy-values.yaml" \
  --set otel.collector.enabled=false --set otel.jaeger.enabled=false
say "$(kubectl get networkpolicy -n "$ns_netpol" --no-headers | wc -l) NetworkPolicies installed"
uninstall "$ns_netpol"
stage_done

# --- 3. pod kills under load ----------------------------------------------------------------------------------

# point_at NS: base_url and admin_token of the release in NS (its frontend Service, from this host through kube-proxy).
point_at() {
  local svc secret
  svc=$(kubectl get svc -n "$1" -l app.kubernetes.io/component=frontend -o name | grep -v -- '-hl$' | sed -n 1p)
  base_url=http://$(kubectl get -n "$1" "$svc" -o jsonpath='{.spec.clusterIP}:{.spec.ports[0].port}')
  secret=$(kubectl get secret -n "$1" -l app.kubernetes.io/component=secrets -o name | sed -n 1p)
  admin_token=$(kubectl get -n "$1" "$secret" -o jsonpath='{.data.admin-token}' | base64 -d)
  say "frontend Service $svc of $1 at $base_url"
}
point_at "$ns_default"

stage "pod kills under load"
api PATCH "/books/$book" -d '{"quantity":1000000}' >/dev/null
q_before=$(quantity)
orders_of_book >"$work/orders-before-kills"
start_load kills
sleep 8
kill_and_time catalog
sleep 5
kill_and_time order
sleep 5
kill_and_time postgresql-replica
sleep 8
stop_load
report_load kills
[ "$(load_field kills 'v.purchases.failed')" = 0 ] || fail "kills: purchases failed after their one retry"
check_invariants kills "$q_before" "$work/orders-before-kills"
stage_done

# --- 4. rolling upgrades under load ---------------------------------------------------------------------------
# Every pod template gets a new annotation value (each component's podAnnotations), so every Deployment and
# StatefulSet rolls. First everything but the Postgres primary, which must cost zero failed requests; then the
# primary, the one pod with no second: while it restarts writes fail (I6: fast 503, nothing lost), reads go on.

roll_args=()
# rolling_upgrade LABEL COMPONENT…: helm upgrade --wait with a new e2e-rollout annotation on COMPONENT's pods
# (values keys: frontend, catalog, order, postgresql.primary, postgresql.replica), under load; checks that those
# pods did roll, and the invariants.
rolling_upgrade() {
  local label=$1 c stamp t not_rolled rollout_s
  shift
  stamp=$label-$(date +%s)
  for c in "$@"; do roll_args+=(--set-string "$c.podAnnotations.e2e-rollout-${c//./-}=$stamp"); done
  q_before=$(quantity)
  orders_of_book >"$work/orders-before-$label"
  start_load "$label"
  sleep 8
  t=$(date +%s)
  "$HELM" upgrade "$release" "$repo/charts/bazar" -n "$ns_default" -f "$lc/values-local.yaml" "${no_rate_limits[@]}" \
    "${roll_args[@]}" --wait --timeout "$(bounded 600)s" >"$work/upgrade-$label.log" 2>&1 ||
    { cat "$work/upgrade-$label.log"; fail "helm upgrade ($label) failed"; }
  for w in $(kubectl get deploy,statefulset -n "$ns_default" -o name); do
    kubectl rollout status -n "$ns_default" "$w" --timeout="$(bounded 300)s" >/dev/null || fail "$w did not roll out"
  done
  rollout_s=$(($(date +%s) - t))
  for c in "$@"; do
    not_rolled=$(kubectl get pods -n "$ns_default" -l "app.kubernetes.io/component=${c//./-}" -o \
      jsonpath='{range .items[*]}{.metadata.name}{"="}{.metadata.annotations.e2e-rollout-'"${c//./-}"'}{"\n"}{end}' |
      grep -v "=$stamp$" || true)
    [ -z "$not_rolled" ] || fail "$label: pods not rolled: $not_rolled"
  done
  say "$label: rolled out in ${rollout_s}s ($(kubectl get pods -n "$ns_default" -l app.kubernetes.io/component!=helm-test --no-headers | wc -l) pods)"
  summary+=("$(printf '  %-42s %5ss' "$label (helm upgrade --wait)" "$rollout_s")")
  sleep 8
  stop_load
  kubectl get events -n "$ns_default" --sort-by=.lastTimestamp \
    -o custom-columns=TIME:.lastTimestamp,OBJECT:.involvedObject.name,REASON:.reason,MESSAGE:.message >"$work/events-$label" || true
  report_load "$label"
  check_invariants "$label" "$q_before" "$work/orders-before-$label"
}

stage "helm upgrade rolling all but the primary, under load"
rolling_upgrade rollout frontend catalog order postgresql.replica
[ "$(load_field rollout 'v.purchases.firstFailed + v.reads.firstFailed')" = 0 ] ||
  fail "rollout: requests failed (any non-2xx or error counts, retried or not)"
helm_test "$ns_default"
stage_done

stage "helm upgrade rolling the Postgres primary, under load"
rolling_upgrade primary-roll postgresql.primary
# Reads: a cached entry is served throughout, but entries live CACHE_TTL_MS (30 s), and one that expires while the
# only primary is down cannot be read again until it is back (never from the replica without a lease, I2): such a
# read must fail fast with 503 database_unavailable (or primary_unavailable: a book with a write in flight is read
# from the primary only, I12), and no read may fail any other way.
check_reads_fail_only_without_primary primary-roll
say "primary-roll: failed purchases are expected while the only primary restarts (I6); by answer: $(load_field primary-roll 'JSON.stringify(v.failures.filter(f=>f.kind.startsWith("purchase")).reduce((a,f)=>(a[f.code??f.error??f.status]=(a[f.code??f.error??f.status]??0)+1,a),{}))')"
helm_test "$ns_default"
stage_done

# --- 5. the pair under Patroni ----------------------------------------------------------------------------------
# postgresql.ha.enabled: two Patroni members (the Kubernetes API as their store), the services with DB_HA_ENGINE.
# Under load, the leader's pod is deleted: the standby must take over by itself and writes resume by themselves.
# Until then a purchase fails fast with a 503 (I6: with its key it is asked again later, nothing is lost), so the
# bar is when the last one failed: within 10 s of the deletion (issue 16's target: 5 s). The deleted member must
# come back as the standby. Laptop-sized, in place of the default release (both would not fit 2 CPUs).

# leader_pod NS: the member labelled role=master by Patroni (the one the postgresql-primary Service selects).
leader_pod() {
  kubectl get pods -n "$1" -l app.kubernetes.io/component=postgresql,role=master \
    -o jsonpath='{range .items[*]}{.metadata.name}{" "}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' |
    sed -n 's/^\([^ ]*\) True$/\1/p' | sed -n 1p
}
stage "install postgresql.ha.enabled=true ($ns_ha) + helm test; the leader's pod deleted under load"
uninstall "$ns_default"
install "$ns_ha" -f "$repo/charts/bazar/ci/laptop-values.yaml" -f "$repo/charts/bazar/ci/ha-values.yaml" \
  --set otel.collector.enabled=false --set otel.jaeger.enabled=false "${no_rate_limits[@]}"
point_at "$ns_ha"
api PATCH "/books/$book" -d '{"quantity":1000000}' >/dev/null
q_before=$(quantity)
orders_of_book >"$work/orders-before-ha"
old_leader=$(leader_pod "$ns_ha")
[ -n "$old_leader" ] || die "no Ready member labelled role=master in $ns_ha"
old_uid=$(pod_ready_uid "$old_leader" "$ns_ha")
start_load ha-failover
sleep 8
t=$(date +%s.%N)
deleted_at_ms=$(printf '%.0f' "$(echo "$t * 1000" | bc)")
kubectl delete pod "$old_leader" -n "$ns_ha" --wait=false >/dev/null
deadline=$(($(date +%s) + $(bounded 180)))
while :; do
  new_leader=$(leader_pod "$ns_ha")
  if [ -n "$new_leader" ] && [ "$new_leader" != "$old_leader" ]; then break; fi
  [ "$(date +%s)" -lt "$deadline" ] || { fail "no new leader within 180s of deleting $old_leader"; break; }
  sleep 0.2
done
failover_s=$(printf '%.1f' "$(echo "$(date +%s.%N) - $t" | bc)")
say "deleted the leader $old_leader: $new_leader is the Ready primary after ${failover_s}s"
# The StatefulSet's new pod of the same name, Ready (`kubectl wait` fails at once if it finds the name gone).
deadline=$(($(date +%s) + $(bounded 300)))
while :; do
  now_uid=$(pod_ready_uid "$old_leader" "$ns_ha")
  if [ -n "$now_uid" ] && [ "$now_uid" != "$old_uid" ]; then break; fi
  [ "$(date +%s)" -lt "$deadline" ] || { fail "$old_leader did not come back Ready within 300s"; break; }
  sleep 0.2
done
rejoin_s=$(printf '%.1f' "$(echo "$(date +%s.%N) - $t" | bc)")
say "$old_leader back Ready (the standby) after ${rejoin_s}s"
summary+=("$(printf '  %-42s %5ss' "Patroni: new primary Ready after" "$failover_s")")
summary+=("$(printf '  %-42s %5ss' "Patroni: old primary back Ready after" "$rejoin_s")")
sleep 8
stop_load
report_load ha-failover
not_503=$(load_field ha-failover 'JSON.stringify(v.failures.filter(f=>f.kind.startsWith("purchase")&&f.status!==503))')
[ "$not_503" = "[]" ] || fail "ha-failover: purchases that failed other than with a 503: $not_503"
# seconds from the deletion to the last failed purchase (0: none failed)
writes_back_s=$(load_field ha-failover "(()=>{const f=v.failures.filter(f=>f.kind.startsWith('purchase'));return f.length?Math.max(0,Math.max(...f.map(x=>x.t))-($deleted_at_ms-v.startedAt)/1000):0})().toFixed(1)")
say "ha-failover: the last purchase failed ${writes_back_s}s after the deletion ($(load_field ha-failover 'v.purchases.firstFailed') first attempts and $(load_field ha-failover 'v.purchases.failed') retries failed)"
summary+=("$(printf '  %-42s %5ss' "Patroni: purchases failing until" "$writes_back_s")")
[ "$(echo "$writes_back_s <= 10" | bc)" = 1 ] || fail "ha-failover: purchases still failed ${writes_back_s}s after the deletion (bound 10 s)"
check_reads_fail_only_without_primary ha-failover
check_invariants ha-failover "$q_before" "$work/orders-before-ha"
helm_test "$ns_ha"
uninstall "$ns_ha"
stage_done

# --- 6. summary -----------------------------------------------------------------------------------------------

echo
echo "=== cluster-e2e summary (total $(($(date +%s) - _started))s of a ${budget}s budget) ==="
printf '%s\n' "${summary[@]}"
echo "  NetworkPolicy enforcement not checked (CNI bridge)."
if [ "${#failed[@]}" -gt 0 ]; then
  echo "FAILED:"
  printf '  %s\n' "${failed[@]}"
  exit 1
fi
echo "PASSED"
