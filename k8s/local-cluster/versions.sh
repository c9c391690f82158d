#!/usr/bin/env bash
# shellcheck disable=SC2034 # read by the scripts that source this file
# Versions and paths shared by the local-cluster scripts (sourced, not run).
#
# Kubernetes matches the chart's floor (k8s/tools.sh K8S_SCHEMA_VERSION). Its staging modules are published at the
# same patch version, except where this machine's module proxy refuses the zip (403, which is final): those use the
# newest patch release the proxy serves.
K8S_VERSION=v1.31.14
K8S_STAGING_VERSION=v0.31.14
K8S_STAGING_FALLBACK=v0.31.13     # kube-scheduler, kube-controller-manager, endpointslice
K8S_PROXY_STAGING_VERSION=v0.31.11 # kube-proxy
COREDNS_VERSION=v1.11.3

BAZAR_CACHE_DIR=${BAZAR_CACHE_DIR:-$HOME/.cache/bazar}
K8S_BIN_DIR=$BAZAR_CACHE_DIR/k8s/$K8S_VERSION
COREDNS_BIN=$BAZAR_CACHE_DIR/coredns/$COREDNS_VERSION/coredns

# Everything a running cluster owns lives under one directory; down.sh removes what it lists.
CLUSTER_DIR=${BAZAR_CLUSTER_DIR:-/tmp/bazar-cluster}

# The pod network: a bridge of our own, nothing routed or masqueraded beyond it.
BRIDGE=bazar0
POD_CIDR=10.244.0.0/24
BRIDGE_IP=10.244.0.1
SERVICE_CIDR=10.96.0.0/16
KUBERNETES_SERVICE_IP=10.96.0.1
DNS_SERVICE_IP=10.96.0.10
CLUSTER_DOMAIN=cluster.local
NODE_NAME=bazar-local
# Paths outside the run dir that containerd 1.6 and the kubelet use whatever they are told (shim sockets, the CNI
# result cache, device-plugin sockets, the /var/log/containers links): up.sh notes which of them it brings into
# being, and down.sh removes those (and our own entries in the others).
HOST_PATHS=(/run/containerd /var/lib/cni /var/lib/kubelet /var/log/containers)
# The iptables chain of our own that keeps pod traffic on the bridge (see up.sh).
FENCE_CHAIN=BAZAR-POD-FENCE
