#!/usr/bin/env bash
# Stops the local cluster started by up.sh and removes everything it made: its processes (by the PID files up.sh
# wrote), the pods' containers, shims, network namespaces and cgroups, the bridge and its veths, the iptables
# chains of ours, kube-proxy's and the CNI plugins', the sysctls it changed (restored), the mounts under the run
# dir, and the run dir itself. Safe to run twice, and after an up.sh that failed half way. Needs root.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
SCRIPT_NAME=down
# shellcheck source=k8s/local-cluster/lib.sh
source "$here/lib.sh"
# shellcheck source=k8s/local-cluster/network.sh
source "$here/network.sh"

[ "$(id -u)" = 0 ] || die "run as root"
if [ ! -d "$CLUSTER_DIR" ]; then
  say "nothing to do: $CLUSTER_DIR does not exist"
  exit 0
fi
PATH=$K8S_BIN_DIR:$PATH

# 1. Whatever would restart or reconcile pods goes first.
for name in coredns kube-proxy kubelet kube-scheduler kube-controller-manager; do stop_process "$name"; done

# 2. The pods: their tasks through containerd (which also ends the shims), then anything left in the pods'
#    cgroups (up.sh refused to start if a kubepods cgroup existed before, so these are ours).
if [ -n "$(pid_of containerd)" ]; then
  say "killing the pods' containers"
  for task in $(timeout 20 ctr --address "$CONTAINERD_SOCK" -n k8s.io tasks ls -q 2>/dev/null || true); do
    timeout 10 ctr --address "$CONTAINERD_SOCK" -n k8s.io tasks kill -a -s SIGKILL "$task" >/dev/null 2>&1 || true
  done
  sleep 1
  for task in $(timeout 20 ctr --address "$CONTAINERD_SOCK" -n k8s.io tasks ls -q 2>/dev/null || true); do
    timeout 10 ctr --address "$CONTAINERD_SOCK" -n k8s.io tasks delete -f "$task" >/dev/null 2>&1 || true
  done
fi
if [ -f "$CLUSTER_DIR/kubepods.ours" ]; then
  for _ in 1 2 3; do
    find /sys/fs/cgroup/*/kubepods -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u |
      xargs -r kill -KILL 2>/dev/null || true
    sleep 0.5
  done
fi
# Shims of our containerd: their command line names our socket, nobody else's.
for dir in /proc/[0-9]*; do
  if { tr '\0' ' ' <"$dir/cmdline"; } 2>/dev/null | grep -qF -- "-address $CONTAINERD_SOCK "; then
    if kill -KILL "${dir#/proc/}" 2>/dev/null; then say "killed shim ${dir#/proc/}"; fi
  fi
done
say "stopping containerd"
stop_process containerd 20

# 3. Control plane and etcd.
stop_process kube-apiserver
stop_process etcd

# 4. Network namespaces of our pods (containerd names them cni-*; ours have an address in $POD_CIDR).
for ns in $(ip netns list 2>/dev/null | awk '$1 ~ /^cni-/ {print $1}'); do
  if ip netns exec "$ns" ip -4 -o addr show 2>/dev/null | grep -q " ${POD_CIDR%.*}\."; then
    ip netns del "$ns" && say "removed netns $ns"
  fi
done

# 5. iptables: kube-proxy's own cleanup, then the chains kube-proxy, the kubelet and the CNI plugins leave (up.sh
#    refused to start beside foreign KUBE-* chains), then our fence, bridge and sysctls.
say "iptables: kube-proxy --cleanup, KUBE-*/CNI-* chains, our fence"
if [ -x "$K8S_BIN_DIR/kube-proxy" ] && [ -f "$CLUSTER_DIR/kube-proxy.ran" ]; then
  kube-proxy --cleanup >>"$LOG_DIR/kube-proxy-cleanup.log" 2>&1 || true
fi
if [ -f "$CLUSTER_DIR/chains.ours" ]; then
  for cmd in iptables ip6tables; do
    for table in filter nat mangle; do
      for chain in $("$cmd"-save -t "$table" 2>/dev/null | sed -n 's/^:\(\(KUBE\|CNI\)-[^ ]*\) .*/\1/p'); do
        # Remove every rule that jumps to it, then the chain.
        "$cmd"-save -t "$table" | sed -n "s/^-A \([^ ]*\) \(.*-j $chain\)\$/\1 \2/p" | while read -r parent rule; do
          # shellcheck disable=SC2086 # the rule is a list of iptables arguments
          "$cmd" -t "$table" -D "$parent" $rule 2>/dev/null || true
        done
      done
      for chain in $("$cmd"-save -t "$table" 2>/dev/null | sed -n 's/^:\(\(KUBE\|CNI\)-[^ ]*\) .*/\1/p'); do
        "$cmd" -t "$table" -F "$chain" 2>/dev/null || true
      done
      for chain in $("$cmd"-save -t "$table" 2>/dev/null | sed -n 's/^:\(\(KUBE\|CNI\)-[^ ]*\) .*/\1/p'); do
        "$cmd" -t "$table" -X "$chain" 2>/dev/null || true
      done
    done
  done
fi
network_down

# What containerd and the kubelet keep outside the run dir: our links, our CNI results, and the paths up.sh saw
# come into being (nothing of ours runs any more, so nothing is using them).
find /var/log/containers -maxdepth 1 -type l -lname "$CLUSTER_DIR/*" -delete 2>/dev/null || true
for result in /var/lib/cni/results/bazar-*-eth0; do
  [ -e "$result" ] || continue
  id=${result#/var/lib/cni/results/bazar-}
  id=${id%-eth0}
  rm -f "$result" "/var/lib/cni/results/cni-loopback-$id-lo"
done
if [ -f "$CLUSTER_DIR/host-paths.created" ]; then
  while read -r path; do
    case "$path" in /run/containerd | /var/lib/cni | /var/lib/kubelet | /var/log/containers) rm -rf "$path" ;; esac
  done <"$CLUSTER_DIR/host-paths.created"
fi

# 6. The pods' cgroups, deepest first.
if [ -f "$CLUSTER_DIR/kubepods.ours" ]; then
  find /sys/fs/cgroup/*/kubepods -depth -type d -exec rmdir {} + 2>/dev/null || true
fi

say "unmounting under $CLUSTER_DIR"
# 7. Mounts under the run dir (overlay snapshots, secret tmpfs, netns), deepest first, then the dir.
for _ in 1 2 3; do
  mounts=$(awk -v d="$CLUSTER_DIR" 'index($5, d "/") == 1 || $5 == d {print $5}' /proc/self/mountinfo | sort -r)
  [ -n "$mounts" ] || break
  for m in $mounts; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done
done
rm -rf "$CLUSTER_DIR"
say "cluster removed ($CLUSTER_DIR)"
