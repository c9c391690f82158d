#!/usr/bin/env bash
# Builds the root filesystem every local image starts from, with mmdebstrap (no Docker), and prints its path:
#   a Debian bookworm minbase + PostgreSQL 15 + Patroni + curl + redis-server, the users postgres (999) and node (1000) that
#   the chart's pods run as, and no apt lists, docs or man pages.
# One base for all the images (bazar, postgres, patroni, redis) means one layer that containerd
# stores once; the images differ by a small top layer and their config. The tar is cached by the hash of its
# inputs (this file): ${BAZAR_CACHE_DIR:-$HOME/.cache/bazar}/images/rootfs/<hash>.tar.
set -euo pipefail
suite=bookworm
packages=(postgresql-15 postgresql-client-15 patroni curl redis-server ca-certificates)
mirror=http://deb.debian.org/debian
security=http://deb.debian.org/debian-security


# The hooks run in mmdebstrap's shell with the new root as $1, so they are single-quoted here.
# shellcheck disable=SC2016
# Fixed uids first (base-passwd made /etc/passwd), so the packages' postinst scripts find them and keep them:
# 999 is what the official postgres image uses and the chart's securityContext names; 1000 is the node image's.
users_hook='
  printf "%s\n" "postgres:x:999:999:PostgreSQL administrator:/var/lib/postgresql:/bin/sh" \
    "node:x:1000:1000::/home/node:/bin/sh" >>"$1/etc/passwd"
  printf "%s\n" "postgres:x:999:" "node:x:1000:" >>"$1/etc/group"
  printf "%s\n" "postgres:*:19000:0:99999:7:::" "node:*:19000:0:99999:7:::" >>"$1/etc/shadow"
'
# shellcheck disable=SC2016
# The cluster postinst made, the package caches, documentation: nothing an image needs.
cleanup_hook='
  rm -rf "$1"/var/lib/postgresql/15 "$1"/etc/postgresql/15 "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* \
    "$1"/var/cache/debconf/*-old "$1"/var/log/* "$1"/usr/share/doc/* "$1"/usr/share/man/* "$1"/usr/share/info/*
  mkdir -p "$1"/home/node "$1"/var/run/postgresql "$1"/var/lib/postgresql
  chown 1000:1000 "$1"/home/node
  chown 999:999 "$1"/var/run/postgresql "$1"/var/lib/postgresql
  chmod 2777 "$1"/var/run/postgresql
'
dpkg_opts=(--dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*'
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias')

# Cached by what goes in (not by this file's comments): the same inputs give the same tar path.
cache=${BAZAR_CACHE_DIR:-$HOME/.cache/bazar}/images/rootfs
hash=$(printf '%s\n' "$suite" "${packages[*]}" "$mirror" "$security" "${dpkg_opts[*]}" "$users_hook" "$cleanup_hook" |
  sha256sum | cut -c1-16)
out=$cache/$hash.tar
if [ -f "$out" ]; then
  echo "$out"
  exit 0
fi
command -v mmdebstrap >/dev/null || {
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap >&2
}
mkdir -p "$cache"
echo "building the base root filesystem (mmdebstrap $suite minbase + ${packages[*]})" >&2
started=$(date +%s)
mmdebstrap --quiet --format=tar --variant=minbase --include="$(
  IFS=,
  echo "${packages[*]}"
)" \
  "${dpkg_opts[@]}" --essential-hook="$users_hook" --customize-hook="$cleanup_hook" \
  "$suite" "$out.partial" "deb $mirror $suite main" "deb $mirror $suite-updates main" \
  "deb $security $suite-security main" >&2
mv "$out.partial" "$out"
echo "built $out in $(($(date +%s) - started))s ($(du -h "$out" | cut -f1))" >&2
echo "$out"
