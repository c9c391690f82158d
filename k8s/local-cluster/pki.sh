#!/usr/bin/env bash
# The cluster's certificates and kubeconfigs, made with openssl (sourced by up.sh; needs lib.sh).
# One CA signs everything; each component has its own client identity, so RBAC and the Node authorizer apply
# as in any cluster. Keys are EC P-256, valid for 30 days: a local cluster never lives that long.

# issue NAME SUBJECT [SANS]: $PKI/NAME.key and $PKI/NAME.crt signed by the CA, SANS e.g. "IP:10.0.0.1,DNS:x".
issue() {
  local name=$1 subject=$2 sans=${3:-} ext=$PKI/$1.ext
  openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/$name.key" 2>/dev/null
  openssl req -new -key "$PKI/$name.key" -subj "$subject" -out "$PKI/$name.csr" 2>/dev/null
  {
    echo "basicConstraints = critical, CA:FALSE"
    echo "keyUsage = critical, digitalSignature, keyEncipherment"
    if [ -n "$sans" ]; then
      echo "extendedKeyUsage = serverAuth, clientAuth"
      echo "subjectAltName = $sans"
    else
      echo "extendedKeyUsage = clientAuth"
    fi
  } >"$ext"
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial -days 30 \
    -sha256 -extfile "$ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr" "$ext"
}

# kubeconfig FILE CERT_NAME: a kubeconfig for the identity in $PKI/CERT_NAME.{crt,key}.
kubeconfig() {
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: bazar-local
    cluster:
      server: $APISERVER_URL
      certificate-authority: $PKI/ca.crt
users:
  - name: $2
    user:
      client-certificate: $PKI/$2.crt
      client-key: $PKI/$2.key
contexts:
  - name: bazar-local
    context: {cluster: bazar-local, user: $2}
current-context: bazar-local
EOF
  chmod 600 "$1"
}

make_pki() {
  openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/ca.key" 2>/dev/null
  openssl req -x509 -new -key "$PKI/ca.key" -subj "/CN=bazar-local-ca" -days 30 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$PKI/ca.crt" 2>/dev/null
  local svc=kubernetes.default.svc
  issue apiserver "/CN=kube-apiserver" \
    "IP:$BRIDGE_IP,IP:$KUBERNETES_SERVICE_IP,DNS:kubernetes,DNS:kubernetes.default,DNS:$svc,DNS:$svc.$CLUSTER_DOMAIN"
  issue kubelet-serving "/CN=system:node:$NODE_NAME/O=system:nodes" "IP:$BRIDGE_IP,DNS:$NODE_NAME"
  issue admin "/CN=bazar-admin/O=system:masters"
  issue apiserver-kubelet-client "/CN=kube-apiserver-kubelet-client"
  issue controller-manager "/CN=system:kube-controller-manager"
  issue scheduler "/CN=system:kube-scheduler"
  issue kubelet "/CN=system:node:$NODE_NAME/O=system:nodes"
  issue kube-proxy "/CN=system:kube-proxy"
  issue coredns "/CN=bazar:coredns"
  # Service-account tokens: the apiserver signs them, everyone verifies with the public half.
  openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/sa.key" 2>/dev/null
  openssl ec -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  chmod 600 "$PKI"/*.key

  kubeconfig "$KUBECONFIG_ADMIN" admin
  kubeconfig "$CLUSTER_DIR/config/controller-manager.kubeconfig" controller-manager
  kubeconfig "$CLUSTER_DIR/config/scheduler.kubeconfig" scheduler
  kubeconfig "$CLUSTER_DIR/config/kubelet.kubeconfig" kubelet
  kubeconfig "$CLUSTER_DIR/config/kube-proxy.kubeconfig" kube-proxy
  kubeconfig "$CLUSTER_DIR/config/coredns.kubeconfig" coredns
}
