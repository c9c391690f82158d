#!/usr/bin/env bash
# Starts a single-node Kubernetes on this machine, without Docker and without a registry:
#   etcd (loopback) · kube-apiserver, controller-manager, scheduler · containerd + runc · kubelet · kube-proxy
#   (iptables) · CoreDNS (a host process answering on the bridge address, the pods' cluster DNS)
# Pods live on a bridge of our own ($BRIDGE, $POD_CIDR); nothing is masqueraded and pod traffic may not leave
# through any other interface. Everything lives under $BAZAR_CLUSTER_DIR (default /tmp/bazar-cluster); the
# kubeconfig path is printed at the end. down.sh undoes all of it. Needs root.
#
# Environment: BAZAR_CLUSTER_DIR, BAZAR_CACHE_DIR (component binaries, see build.sh), BAZAR_UP_TIMEOUT (seconds
# each readiness wait may take, default 120).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
SCRIPT_NAME=up
# shellcheck source=k8s/local-cluster/lib.sh
source "$here/lib.sh"
timeout=${BAZAR_UP_TIMEOUT:-120}

[ "$(id -u)" = 0 ] || die "run as root (bridges, iptables, mounts, containerd)"
if [ -n "$(pid_of kube-apiserver)" ]; then die "a cluster is already running in $CLUSTER_DIR (down.sh first)"; fi
if [ -e "$CLUSTER_DIR" ] && [ -n "$(ls -A "$CLUSTER_DIR" 2>/dev/null)" ]; then
  die "$CLUSTER_DIR is not empty: run down.sh (it removes what an earlier cluster left)"
fi

# --- 1. binaries ------------------------------------------------------------------------------------------------
"$here/build.sh"
missing=()
for pair in etcd:etcd-server containerd:containerd runc:runc iptables:iptables openssl:openssl curl:curl; do
  command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
done
[ -x /usr/lib/cni/bridge ] || missing+=(containernetworking-plugins)
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing ${missing[*]} (apt)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
PATH=$K8S_BIN_DIR:$PATH

# Refuse to share the node's iptables with another Kubernetes: down.sh removes every KUBE-* chain.
if iptables-save 2>/dev/null | grep -q '^:\(KUBE\|CNI\)-'; then
  die "iptables already has KUBE-*/CNI-* chains (another kube-proxy or kubelet?): not starting beside it"
fi
if [ -d /sys/fs/cgroup/pids/kubepods ] || [ -d /sys/fs/cgroup/kubepods ]; then
  die "a kubepods cgroup exists already (another kubelet?): not starting beside it"
fi
if ip link show "$BRIDGE" >/dev/null 2>&1; then die "interface $BRIDGE exists already"; fi
if ip -4 route show | grep -q "^${POD_CIDR%/*}\|^${SERVICE_CIDR%/*}\| via ${BRIDGE_IP} \|src ${BRIDGE_IP} "; then
  die "$POD_CIDR or $SERVICE_CIDR is routed on this machine already: edit versions.sh to pick free ranges"
fi
for port in 127.0.0.1:2379 127.0.0.1:2380 127.0.0.1:10248 127.0.0.1:10249 127.0.0.1:10256 127.0.0.1:10257 \
  127.0.0.1:10259 127.0.0.1:18181; do
  if ss -Hltn "sport = :${port##*:}" | grep -q .; then die "port ${port##*:} is in use"; fi
done

mkdir -p "$PID_DIR" "$LOG_DIR" "$PKI" "$CLUSTER_DIR"/{etcd,containerd,kubelet,pod-logs,cni/net.d,pv,config}
chmod 700 "$CLUSTER_DIR" "$PKI"
# What down.sh may remove: the kubepods cgroups and the KUBE-*/CNI-* chains are ours (checked just above).
touch "$CLUSTER_DIR/kubepods.ours" "$CLUSTER_DIR/chains.ours"
for path in "${HOST_PATHS[@]}"; do [ -e "$path" ] || echo "$path" >>"$CLUSTER_DIR/host-paths.created"; done
trap 'echo "[up] failed: bash $here/down.sh removes what was started" >&2' ERR

# --- 2. certificates --------------------------------------------------------------------------------------------
say "certificates (openssl: CA, serving and client certificates, service-account key)"
# shellcheck source=k8s/local-cluster/pki.sh
source "$here/pki.sh"
make_pki

# --- 3. network -------------------------------------------------------------------------------------------------
say "bridge $BRIDGE ($BRIDGE_IP, pods $POD_CIDR), iptables fence $FENCE_CHAIN"
# shellcheck source=k8s/local-cluster/network.sh
source "$here/network.sh"
network_up

# --- 4. control plane -------------------------------------------------------------------------------------------
say "etcd (127.0.0.1:2379)"
start_process etcd etcd --name bazar --data-dir "$CLUSTER_DIR/etcd" \
  --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
  --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
  --initial-cluster bazar=http://127.0.0.1:2380 --log-level warn
wait_until "$timeout" etcd curl -fsS http://127.0.0.1:2379/health

say "kube-apiserver ($APISERVER_URL)"
start_process kube-apiserver kube-apiserver \
  --advertise-address="$BRIDGE_IP" --bind-address="$BRIDGE_IP" --secure-port=6443 \
  --etcd-servers=http://127.0.0.1:2379 \
  --service-cluster-ip-range="$SERVICE_CIDR" --allow-privileged=false \
  --client-ca-file="$PKI/ca.crt" --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
  --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" \
  --kubelet-client-key="$PKI/apiserver-kubelet-client.key" --kubelet-certificate-authority="$PKI/ca.crt" \
  --kubelet-preferred-address-types=InternalIP \
  --service-account-issuer="https://kubernetes.default.svc.$CLUSTER_DOMAIN" \
  --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
  --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
  --profiling=false --v=1
wait_until "$timeout" kube-apiserver cluster_kubectl get --raw /readyz

say "kube-controller-manager, kube-scheduler"
start_process kube-controller-manager kube-controller-manager \
  --kubeconfig="$CLUSTER_DIR/config/controller-manager.kubeconfig" \
  --authentication-kubeconfig="$CLUSTER_DIR/config/controller-manager.kubeconfig" \
  --authorization-kubeconfig="$CLUSTER_DIR/config/controller-manager.kubeconfig" \
  --bind-address=127.0.0.1 --leader-elect=false --use-service-account-credentials \
  --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
  --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
  --service-cluster-ip-range="$SERVICE_CIDR" --profiling=false --v=1
start_process kube-scheduler kube-scheduler \
  --kubeconfig="$CLUSTER_DIR/config/scheduler.kubeconfig" \
  --authentication-kubeconfig="$CLUSTER_DIR/config/scheduler.kubeconfig" \
  --authorization-kubeconfig="$CLUSTER_DIR/config/scheduler.kubeconfig" \
  --bind-address=127.0.0.1 --leader-elect=false --profiling=false --v=1
wait_until "$timeout" kube-controller-manager curl -fsSk https://127.0.0.1:10257/healthz
wait_until "$timeout" kube-scheduler curl -fsSk https://127.0.0.1:10259/healthz

say "cluster objects (RBAC for the apiserver's kubelet client and CoreDNS, StorageClass, PersistentVolumes)"
# shellcheck source=k8s/local-cluster/objects.sh
source "$here/objects.sh"
apply_cluster_objects

# --- 5. node ----------------------------------------------------------------------------------------------------
say "containerd ($CONTAINERD_SOCK)"
# shellcheck source=k8s/local-cluster/node.sh
source "$here/node.sh"
write_node_configs
start_process containerd containerd --config "$CLUSTER_DIR/config/containerd.toml"
wait_until "$timeout" containerd cluster_ctr version
say "pause image (the pod sandbox)"
"$here/../images/build-pause.sh" "$CLUSTER_DIR/pause.tar" >>"$LOG_DIR/images.log" 2>&1 ||
  die "cannot build the pause image (see $LOG_DIR/images.log)"
cluster_ctr images import "$CLUSTER_DIR/pause.tar" >>"$LOG_DIR/images.log" 2>&1 ||
  die "cannot import the pause image (see $LOG_DIR/images.log)"

say "kubelet (node $NODE_NAME at $BRIDGE_IP), kube-proxy (iptables)"
start_process kubelet kubelet --config="$CLUSTER_DIR/config/kubelet.yaml" \
  --kubeconfig="$CLUSTER_DIR/config/kubelet.kubeconfig" --root-dir="$CLUSTER_DIR/kubelet" \
  --cert-dir="$CLUSTER_DIR/kubelet/pki" --node-ip="$BRIDGE_IP" --hostname-override="$NODE_NAME" --v=1
touch "$CLUSTER_DIR/kube-proxy.ran"
start_process kube-proxy kube-proxy --config="$CLUSTER_DIR/config/kube-proxy.yaml" --v=1
wait_until "$timeout" "node $NODE_NAME registered" cluster_kubectl get node "$NODE_NAME"
cluster_kubectl wait --for=condition=Ready "node/$NODE_NAME" --timeout="${timeout}s" >/dev/null ||
  die "node $NODE_NAME not Ready within ${timeout}s (logs: $LOG_DIR/kubelet.log)"
wait_until "$timeout" kube-proxy curl -fsS http://127.0.0.1:10256/healthz
# kube-proxy puts its own jumps first in FORWARD; the fence must come before all of them.
fence_first

say "CoreDNS ($BRIDGE_IP:53, zone $CLUSTER_DOMAIN)"
start_process coredns "$COREDNS_BIN" -conf "$CLUSTER_DIR/config/Corefile"
wait_until "$timeout" CoreDNS curl -fsS http://127.0.0.1:18181/ready

wait_until "$timeout" "ServiceAccount default/default" cluster_kubectl get serviceaccount default -n default
say "ready: $(cluster_kubectl version -o json | sed -n 's/.*"gitVersion": "\(v[^"]*\)".*/\1/p' | tail -n 1) in $(($(date +%s) - _started))s"
printf '\nexport KUBECONFIG=%s\n' "$KUBECONFIG_ADMIN"
