#!/usr/bin/env bash
# Configuration of the node's daemons (sourced by up.sh; needs lib.sh): containerd, kubelet, kube-proxy, CoreDNS.
# Each one keeps its state under $CLUSTER_DIR and listens on loopback or on the bridge address only.

PAUSE_IMAGE=registry.k8s.io/pause:bazar-local

write_node_configs() {
  local c=$CLUSTER_DIR/containerd
  mkdir -p "$c/root" "$c/state" "$c/runc" "$c/opt"
  # restrict_oom_score_adj: root here lacks CAP_SYS_RESOURCE, so runc cannot lower a container's oom_score_adj
  # below its own (it fails with "can't get final child's PID from pipe: EOF").
  cat >"$CLUSTER_DIR/config/containerd.toml" <<EOF
version = 2
root = "$c/root"
state = "$c/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp"]

[grpc]
  address = "$CONTAINERD_SOCK"

[ttrpc]
  address = "$CONTAINERD_SOCK.ttrpc"

[debug]
  level = "warn"

[plugins."io.containerd.internal.v1.opt"]
  path = "$c/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  restrict_oom_score_adj = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$CLUSTER_DIR/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$c/runc"
EOF

  # No swap accounting and cgroup v1 are fine for a test node; eviction thresholds are low so that a busy
  # development disk does not evict the pods under test.
  cat >"$CLUSTER_DIR/config/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $BRIDGE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
tlsCertFile: $PKI/kubelet-serving.crt
tlsPrivateKeyFile: $PKI/kubelet-serving.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: Webhook}
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
cgroupDriver: cgroupfs
failSwapOn: false
failCgroupV1: false
clusterDNS: [$BRIDGE_IP]
clusterDomain: $CLUSTER_DOMAIN
resolvConf: ""
podLogsDir: $CLUSTER_DIR/pod-logs
makeIPTablesUtilChains: false
serializeImagePulls: false
maxPods: 60
evictionHard: {memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1%, nodefs.inodesFree: 1%}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
EOF

  # nodePortAddresses: NodePorts answer on the bridge address only, never on the machine's own interfaces.
  # conntrack zeros: leave the machine's conntrack sysctls alone.
  cat >"$CLUSTER_DIR/config/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection: {kubeconfig: $CLUSTER_DIR/config/kube-proxy.kubeconfig}
hostnameOverride: $NODE_NAME
bindAddress: $BRIDGE_IP
clusterCIDR: $POD_CIDR
detectLocalMode: ClusterCIDR
nodePortAddresses: [$BRIDGE_IP/32]
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
EOF

  # CoreDNS as a host process on the bridge address: the cluster zone only (there is no upstream to forward to).
  cat >"$CLUSTER_DIR/config/Corefile" <<EOF
.:53 {
  bind $BRIDGE_IP
  errors
  ready 127.0.0.1:18181
  kubernetes $CLUSTER_DOMAIN in-addr.arpa ip6.arpa {
    kubeconfig $CLUSTER_DIR/config/coredns.kubeconfig bazar-local
    pods insecure
    fallthrough in-addr.arpa ip6.arpa
  }
  cache 5
}
EOF
}
