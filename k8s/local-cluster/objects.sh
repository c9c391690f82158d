#!/usr/bin/env bash
# Objects every fresh cluster gets (sourced by up.sh; needs lib.sh):
# - RBAC for the apiserver's client identity at the kubelet (logs, exec) and for CoreDNS (a host process here);
# - a default StorageClass without a provisioner and $PV_COUNT hostPath PersistentVolumes under the run dir, so
#   any claim of up to $PV_SIZE (e.g. a StatefulSet's volumeClaimTemplates) binds at once. Their directories are
#   world-writable: the kubelet applies no fsGroup to hostPath volumes, and pods run as arbitrary non-root uids.
PV_COUNT=${BAZAR_PV_COUNT:-10}
PV_SIZE=${BAZAR_PV_SIZE:-10Gi}

apply_cluster_objects() {
  {
    cat <<EOF
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: bazar:apiserver-kubelet-client}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:kubelet-api-admin}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: kube-apiserver-kubelet-client}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: bazar:coredns}
rules:
  - apiGroups: [""]
    resources: [endpoints, services, pods, namespaces]
    verbs: [list, watch]
  - apiGroups: [discovery.k8s.io]
    resources: [endpointslices]
    verbs: [list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: bazar:coredns}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: bazar:coredns}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: "bazar:coredns"}]
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: local-static
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: kubernetes.io/no-provisioner
reclaimPolicy: Retain
volumeBindingMode: Immediate
EOF
    local i
    for i in $(seq 1 "$PV_COUNT"); do
      mkdir -p "$CLUSTER_DIR/pv/pv-$i"
      chmod 0777 "$CLUSTER_DIR/pv/pv-$i"
      cat <<EOF
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: bazar-local-pv-$i, labels: {bazar.local/pv: "true"}}
spec:
  capacity: {storage: $PV_SIZE}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: local-static
  hostPath: {path: $CLUSTER_DIR/pv/pv-$i, type: Directory}
EOF
    done
  } | cluster_kubectl apply -f - >"$LOG_DIR/objects.log"
}
