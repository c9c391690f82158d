#!/usr/bin/env bash
# shellcheck disable=SC2034 # the paths are read by the scripts that source this file
# Helpers shared by up.sh, down.sh, load-image.sh, smoke.sh and ../cluster-e2e.sh (sourced, not run).
# shellcheck source=k8s/local-cluster/versions.sh
source "$(dirname "${BASH_SOURCE[0]}")/versions.sh"

PID_DIR=$CLUSTER_DIR/pids
LOG_DIR=$CLUSTER_DIR/logs
PKI=$CLUSTER_DIR/pki
KUBECONFIG_ADMIN=$CLUSTER_DIR/kubeconfig
CONTAINERD_SOCK=$CLUSTER_DIR/containerd/containerd.sock
APISERVER_URL=https://$BRIDGE_IP:6443

_started=${_started:-$(date +%s)}
say() { printf '[%s %4ss] %s\n' "${SCRIPT_NAME:-cluster}" "$(($(date +%s) - _started))" "$*"; }
die() {
  printf '[%s] error: %s\n' "${SCRIPT_NAME:-cluster}" "$*" >&2
  exit 1
}

# ctr against this cluster's containerd, in the namespace the CRI plugin uses.
cluster_ctr() { ctr --address "$CONTAINERD_SOCK" --namespace k8s.io "$@"; }
cluster_kubectl() { kubectl --kubeconfig "$KUBECONFIG_ADMIN" "$@"; }

# start_process NAME CMD…: runs CMD in its own session, logging to $LOG_DIR/NAME.log; its PID goes to
# $PID_DIR/NAME.pid with the binary's path, so down.sh stops exactly this process and nothing that reused the PID.
start_process() {
  local name=$1
  shift
  # A background job without job control is no process-group leader, so setsid execs CMD in place: $! is CMD's PID.
  setsid "$@" >>"$LOG_DIR/$name.log" 2>&1 </dev/null &
  printf '%s %s\n' "$!" "$(readlink -f "$(command -v "$1")")" >"$PID_DIR/$name.pid"
}

# pid_of NAME: the recorded PID if that process still runs the recorded binary, else nothing.
pid_of() {
  local file=$PID_DIR/$1.pid pid exe
  [ -f "$file" ] || return 0
  read -r pid exe <"$file"
  if [ -n "$pid" ] && [ "$(readlink -f "/proc/$pid/exe" 2>/dev/null)" = "$exe" ]; then echo "$pid"; fi
}

# stop_process NAME [SECONDS]: SIGTERM, then SIGKILL after SECONDS (default 10).
stop_process() {
  local name=$1 grace=${2:-10} pid waited=0
  pid=$(pid_of "$name")
  if [ -n "$pid" ]; then
    kill -TERM "$pid" 2>/dev/null || true
    while [ -d "/proc/$pid" ] && [ "$waited" -lt $((grace * 10)) ]; do
      sleep 0.1
      waited=$((waited + 1))
    done
    if [ -d "/proc/$pid" ]; then kill -KILL "$pid" 2>/dev/null || true; fi
    say "stopped $name (pid $pid)"
  fi
  rm -f "$PID_DIR/$name.pid"
}

# wait_until SECONDS WHAT CMD…: polls CMD every half second until it succeeds; dies naming WHAT after SECONDS.
wait_until() {
  local seconds=$1 deadline=$(($(date +%s) + $1)) what=$2
  shift 2
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || die "$what: not ready within ${seconds}s (logs: $LOG_DIR)"
    sleep 0.5
  done
}

# build_and_load_images REPO: the five images of REPO's tree (k8s/images/build-images.sh), imported into the
# cluster's containerd (load-image.sh skips an archive whose manifest is already there).
build_and_load_images() {
  local repo=$1 images_dir=${BAZAR_CACHE_DIR:-$HOME/.cache/bazar}/images/out
  say "images (k8s/images/build-images.sh)"
  BAZAR_REPO=$repo "$repo/k8s/images/build-images.sh" "$images_dir" >"$LOG_DIR/images.log" 2>&1 ||
    die "image build failed (see $LOG_DIR/images.log)"
  "$(dirname "${BASH_SOURCE[0]}")/load-image.sh" "$images_dir"/{bazar,postgres,patroni,redis}.tar
}
