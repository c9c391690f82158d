#!/usr/bin/env bash
# Builds the local cluster's images as OCI archives, without Docker, into OUT_DIR (default
# ${BAZAR_CACHE_DIR:-$HOME/.cache/bazar}/images/out):
#   bazar.tar     docker.io/library/bazar:dev          k8s/Dockerfile's layout: node, /app (dist, migrations, public,
#                                                      production node_modules), USER 1000:1000, WORKDIR /app
#   postgres.tar  docker.io/bazar-local/postgres:15    Debian's PostgreSQL 15 with a docker-entrypoint.sh of ours
#   patroni.tar   docker.io/bazar-local/patroni:15      Debian's PostgreSQL 15 + Patroni (k8s/Dockerfile.patroni's layout)
#   redis.tar     docker.io/bazar-local/redis:7        Debian's redis-server
# All four share one base layer (base-rootfs.sh). Node is this machine's `node` binary (NodeSource's nodejs
# package, v20 here; k8s/Dockerfile uses node:22): the image runs what the tests run.
#
# Usage: build-images.sh [--only NAME…] [OUT_DIR]. Environment: BAZAR_REPO (the tree whose services are built,
# default this checkout), BAZAR_CACHE_DIR.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=${BAZAR_REPO:-$(cd "$here/../.." && pwd)}
cache=${BAZAR_CACHE_DIR:-$HOME/.cache/bazar}/images
only=()
while [ "${1:-}" = --only ]; do
  only+=("$2")
  shift 2
done
out=${1:-$cache/out}
mkdir -p "$out" "$cache"
started=$(date +%s)
say() { printf '[images %4ss] %s\n' "$(($(date +%s) - started))" "$*"; }
wanted() { [ "${#only[@]}" = 0 ] || [[ " ${only[*]} " == *" $1 "* ]]; }
oci() { python3 "$here/oci-archive.py" "$@"; }

say "base root filesystem"
base=$("$here/base-rootfs.sh")
pg_path=PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
plain_path=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

if wanted postgres; then
  say "postgres"
  mkdir -p "$cache/work/postgres"
  # PGDATA as in the official image; SIGINT is postgres' "fast shutdown" (the official image's STOPSIGNAL).
  oci --name docker.io/bazar-local/postgres:15 --out "$out/postgres.tar" --work "$cache/work/postgres" \
    --layer "$base" --layer-file "usr/local/bin/docker-entrypoint.sh=$here/postgres/docker-entrypoint.sh" \
    --env "$pg_path" --env PGDATA=/var/lib/postgresql/data --env LANG=C.UTF-8 \
    --entrypoint '["docker-entrypoint.sh"]' --cmd '["postgres"]' --expose 5432/tcp --user 999:999 --stop-signal SIGINT
fi

if wanted patroni; then
  say "patroni"
  oci --name docker.io/bazar-local/patroni:15 --out "$out/patroni.tar" --layer "$base" --env "$pg_path" \
    --env LANG=C.UTF-8 --user 999:999 --cmd '["patroni", "/etc/patroni/patroni.yml"]' --expose 5432/tcp \
    --expose 8008/tcp
fi

if wanted redis; then
  say "redis"
  oci --name docker.io/bazar-local/redis:7 --out "$out/redis.tar" --layer "$base" --env "$plain_path" \
    --user 999:999 --workdir /data --cmd '["redis-server"]' --expose 6379/tcp
fi

if wanted bazar; then
  # The services, built from a copy of the working tree (tracked and untracked files, not what .gitignore hides),
  # so the checkout gets no node_modules or dist of ours.
  src=$cache/work/bazar-src
  say "bazar: copying $repo's working tree to $src"
  mkdir -p "$src"
  # (Deleted but still tracked files are skipped: ls-files lists them until the deletion is committed.)
  # shellcheck disable=SC2016 # $f belongs to the inner sh
  (cd "$repo" && git ls-files -z --cached --others --exclude-standard -- package.json package-lock.json \
    'tsconfig*.json' services | xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' _ |
    tar --null -T - -cf -) | tar -C "$src" -xf -
  lock_hash=$(sha256sum "$src/package-lock.json" | cut -c1-16)
  if [ "$(cat "$src/.npm-ci" 2>/dev/null)" != "$lock_hash" ]; then
    say "bazar: npm ci (all dependencies, for tsc)"
    (cd "$src" && npm ci --no-audit --no-fund --loglevel=error) >&2
    echo "$lock_hash" >"$src/.npm-ci"
  fi
  say "bazar: npm run build (tsc -b)"
  (cd "$src" && npm run --silent build) >&2

  prod=$cache/work/bazar-prod
  if [ "$(cat "$prod/.npm-ci" 2>/dev/null)" != "$lock_hash" ]; then
    say "bazar: npm ci --omit=dev (the services' production dependencies)"
    rm -rf "$prod" && mkdir -p "$prod"
    (cd "$src" && tar -cf - package.json package-lock.json services/*/package.json) | tar -C "$prod" -xf -
    # As k8s/Dockerfile: the services' workspaces only, then drop the test harness (and PGlite) npm still installs.
    (cd "$prod" && npm ci --omit=dev --no-audit --no-fund --loglevel=error \
      --workspace services/common --workspace services/catalog \
      --workspace services/order --workspace services/frontend &&
      rm -rf services/harness node_modules/@bazar/harness node_modules/@electric-sql) >&2
    echo "$lock_hash" >"$prod/.npm-ci"
  fi

  app=$cache/work/bazar-app
  say "bazar: assembling /app"
  rm -rf "$app" && mkdir -p "$app"
  (cd "$prod" && tar -cf - --exclude=.npm-ci .) | tar -C "$app" -xf -
  for svc in common catalog order frontend; do
    mkdir -p "$app/services/$svc/dist"
    cp -a "$src/services/$svc/dist/src" "$app/services/$svc/dist/src"
    if [ -d "$src/services/$svc/migrations" ]; then cp -a "$src/services/$svc/migrations" "$app/services/$svc/"; fi
  done
  cp -a "$src/services/frontend/public" "$app/services/frontend/public"
  # Read-only to the user the services run as (the files are root-owned in the image).
  chmod -R a+rX,go-w "$app"

  node_bin=$cache/work/node/node
  if [ ! -x "$node_bin" ] || ! cmp -s <("$node_bin" --version) <(node --version); then
    say "bazar: node $(node --version) from $(command -v node) (debug symbols stripped)"
    mkdir -p "$(dirname "$node_bin")"
    strip -o "$node_bin" "$(readlink -f "$(command -v node)")"
  fi
  say "bazar: writing the archive"
  mkdir -p "$cache/work/bazar"
  oci --name docker.io/library/bazar:dev --out "$out/bazar.tar" --work "$cache/work/bazar" \
    --layer "$base" --layer-file "usr/local/bin/node=$node_bin" --layer-dir "app=$app" \
    --env "$plain_path" --env NODE_ENV=production --env HOST=0.0.0.0 --workdir /app --user 1000:1000 \
    --entrypoint '["node"]' --cmd '["services/frontend/dist/src/main.js"]' \
    --expose 8080/tcp --expose 7001/tcp --expose 7002/tcp
fi
say "done: $(find "$out" -maxdepth 1 -name '*.tar' -printf '%f ')"
