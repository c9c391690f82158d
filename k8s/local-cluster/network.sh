#!/usr/bin/env bash
# The pod network (sourced by up.sh and down.sh; needs lib.sh): a bridge of our own with the node at $BRIDGE_IP,
# the CNI bridge plugin putting each pod on it (no masquerade), and two iptables chains that keep pods to the
# bridge: a pod may talk to other pods and to the node's bridge address (apiserver, CoreDNS, kubelet), never
# through another interface and never to the machine's other addresses.

SYSCTLS=(net/ipv4/ip_forward net/bridge/bridge-nf-call-iptables)
INPUT_CHAIN=${FENCE_CHAIN}-IN

network_up() {
  ip link add "$BRIDGE" type bridge
  echo "$BRIDGE" >"$CLUSTER_DIR/bridge"
  ip addr add "$BRIDGE_IP/${POD_CIDR#*/}" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  # The node's own connections to a ClusterIP (cluster-e2e.sh's load) leave from the bridge address, so the pods'
  # replies pass the fence below; without it they would use the default route's address and go nowhere else.
  # The route goes with the bridge (down.sh).
  ip route add "$SERVICE_CIDR" dev "$BRIDGE" src "$BRIDGE_IP"

  # Kept to be restored by down.sh. Routing is needed for Services (kube-proxy DNATs a pod's packet back onto the
  # bridge) and bridged packets must pass iptables, or replies would skip the Service's reverse NAT.
  local key
  for key in "${SYSCTLS[@]}"; do
    [ -f "/proc/sys/$key" ] || modprobe br_netfilter 2>/dev/null || true
    [ -f "/proc/sys/$key" ] || die "/proc/sys/$key is missing (br_netfilter not available?)"
    printf '%s %s\n' "$key" "$(cat "/proc/sys/$key")" >>"$CLUSTER_DIR/sysctl.saved"
  done
  local forwarding_was
  forwarding_was=$(cat /proc/sys/net/ipv4/ip_forward)
  echo 1 >/proc/sys/net/ipv4/ip_forward
  echo 1 >/proc/sys/net/bridge/bridge-nf-call-iptables

  iptables -N "$FENCE_CHAIN"
  iptables -A "$FENCE_CHAIN" -i "$BRIDGE" -o "$BRIDGE" -j RETURN -m comment --comment "bazar: pod to pod"
  iptables -A "$FENCE_CHAIN" -i "$BRIDGE" -j DROP -m comment --comment "bazar: pods stay on the bridge"
  iptables -A "$FENCE_CHAIN" -o "$BRIDGE" -j DROP -m comment --comment "bazar: nothing else reaches the pods"
  if [ "$forwarding_was" = 0 ]; then
    # The machine did not route before; switching forwarding on for the bridge must not make it a router.
    iptables -A "$FENCE_CHAIN" -j DROP -m comment --comment "bazar: no forwarding beside the bridge"
  fi
  iptables -N "$INPUT_CHAIN"
  iptables -A "$INPUT_CHAIN" -i "$BRIDGE" -d "$BRIDGE_IP" -j RETURN -m comment --comment "bazar: pods to the node"
  iptables -A "$INPUT_CHAIN" -i "$BRIDGE" -j DROP -m comment --comment "bazar: no other host address"
  fence_first

  mkdir -p "$CLUSTER_DIR/cni/ipam"
  cat >"$CLUSTER_DIR/cni/net.d/10-bazar.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "bazar",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{ "subnet": "$POD_CIDR", "gateway": "$BRIDGE_IP" }]],
        "routes": [{ "dst": "0.0.0.0/0" }],
        "dataDir": "$CLUSTER_DIR/cni/ipam"
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
EOF
}

# fence_first: our jumps at the head of FORWARD and INPUT (kube-proxy inserts its own jumps first).
fence_first() {
  local chain parent
  for pair in "FORWARD:$FENCE_CHAIN" "INPUT:$INPUT_CHAIN"; do
    parent=${pair%%:*} chain=${pair#*:}
    while iptables -D "$parent" -j "$chain" 2>/dev/null; do :; done
    iptables -I "$parent" 1 -j "$chain"
  done
}

# network_down: undoes network_up (each step tolerates a half-made network).
network_down() {
  local chain parent key value
  for pair in "FORWARD:$FENCE_CHAIN" "INPUT:$INPUT_CHAIN"; do
    parent=${pair%%:*} chain=${pair#*:}
    while iptables -D "$parent" -j "$chain" 2>/dev/null; do :; done
    iptables -F "$chain" 2>/dev/null || true
    iptables -X "$chain" 2>/dev/null || true
  done
  if [ -f "$CLUSTER_DIR/sysctl.saved" ]; then
    while read -r key value; do echo "$value" >"/proc/sys/$key"; done <"$CLUSTER_DIR/sysctl.saved"
    rm -f "$CLUSTER_DIR/sysctl.saved"
  fi
  if [ -f "$CLUSTER_DIR/bridge" ] && ip link show "$BRIDGE" >/dev/null 2>&1; then
    # Veths still on the bridge belong to pods of ours whose netns outlived them.
    for veth in $(ip -o link show master "$BRIDGE" | awk -F': ' '{print $2}' | cut -d@ -f1); do
      ip link del "$veth" 2>/dev/null || true
    done
    ip link del "$BRIDGE"
    say "removed bridge $BRIDGE"
  fi
  rm -f "$CLUSTER_DIR/bridge"
}
