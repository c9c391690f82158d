#!/bin/sh
# Waits until every dependency answers, or gives up: an init container's command. Inputs as environment variables:
#   WAIT_FOR          space-separated targets: postgres://host:port (pg_isready), http(s)://host:port/path (a 2xx
#                     answer, through curl or wget), tcp://host:port (a TCP connect, through nc or bash)
#   WAIT_TIMEOUT      seconds before giving up with status 1 (default 120)
#   WAIT_INTERVAL     seconds between rounds (default 1)
set -eu

: "${WAIT_FOR:?WAIT_FOR must list at least one target}"
WAIT_TIMEOUT=${WAIT_TIMEOUT:-120}
WAIT_INTERVAL=${WAIT_INTERVAL:-1}

log() { printf 'wait-for: %s\n' "$*" >&2; }

host_of() { printf '%s' "$1" | sed -E 's#^[a-z]+://##; s#/.*$##; s#:[0-9]+$##; s#^\[(.*)\]$#\1#'; }
port_of() { printf '%s' "$1" | sed -nE 's#^[a-z]+://(\[[^]]*\]|[^/:]*):([0-9]+).*$#\2#p'; }

ready() {
  target=$1
  case "$target" in
    postgres://* | postgresql://*)
      pg_isready -q -t 2 -h "$(host_of "$target")" -p "$(port_of "$target")"
      ;;
    http://* | https://*)
      if command -v curl >/dev/null 2>&1; then
        curl -fsS -o /dev/null --max-time 2 "$target" 2>/dev/null
      else
        wget -q -O /dev/null -T 2 "$target" 2>/dev/null
      fi
      ;;
    tcp://*)
      if command -v nc >/dev/null 2>&1; then
        nc -z -w 2 "$(host_of "$target")" "$(port_of "$target")" 2>/dev/null
      else
        bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$(host_of "$target")" "$(port_of "$target")" 2>/dev/null
      fi
      ;;
    *)
      log "unsupported target '$target' (postgres://, http(s)://, tcp://)"
      exit 2
      ;;
  esac
}

started=$(date +%s)
pending=$WAIT_FOR
round=0
while :; do
  still=''
  for target in $pending; do
    if ready "$target"; then log "$target is up"; else still="$still $target"; fi
  done
  if [ -n "$still" ] && { [ "$round" -eq 0 ] || [ "$still" != "$pending" ]; }; then
    log "waiting for:$still"
  fi
  pending=$still
  round=$((round + 1))
  if [ -z "$pending" ]; then
    log "all up after $(($(date +%s) - started))s"
    exit 0
  fi
  if [ $(($(date +%s) - started)) -ge "$WAIT_TIMEOUT" ]; then
    log "gave up after ${WAIT_TIMEOUT}s; still down:$pending"
    exit 1
  fi
  sleep "$WAIT_INTERVAL"
done
