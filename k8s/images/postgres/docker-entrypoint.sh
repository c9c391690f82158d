#!/bin/sh
# The local Postgres image's entry point: the part of the official `postgres` image's docker-entrypoint.sh contract
# that the Bazar chart relies on, written for this image (Debian's postgresql-15, running as uid 999).
#
#   docker-entrypoint.sh postgres [-c name=value …]
# With an empty $PGDATA: initdb (superuser $POSTGRES_USER with password $POSTGRES_PASSWORD, extra arguments from
# $POSTGRES_INITDB_ARGS), then a temporary server reachable only through the Unix socket (with the same settings)
# runs /docker-entrypoint-initdb.d/*.sh (executed if executable, else sourced) and *.sql; then it stops.
# Either way it then execs the command (`postgres …`). Any other command is simply exec'd.
set -eu

if [ "${1:-}" != "${1#-}" ]; then set -- postgres "$@"; fi
if [ "${1:-}" != postgres ]; then exec "$@"; fi
if [ "$(id -u)" = 0 ]; then
  # As root (not under the chart, which runs as 999): hand the data directory to postgres and drop to it.
  mkdir -p "${PGDATA:?}"
  chown -R postgres:postgres "$PGDATA" /var/run/postgresql
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

log() { printf 'docker-entrypoint: %s\n' "$*" >&2; }
: "${PGDATA:?PGDATA must name the data directory}"
POSTGRES_USER=${POSTGRES_USER:-postgres}
mkdir -p "$PGDATA"
chmod 700 "$PGDATA"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  : "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set for a new database}"
  log "initialising $PGDATA"
  pwfile=$(mktemp "${TMPDIR:-/tmp}/pwfile.XXXXXX")
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of arguments, as in the official image
  initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
    ${POSTGRES_INITDB_ARGS:-} -D "$PGDATA"
  rm -f "$pwfile"
  shift
  # The temporary server: no TCP, so nothing but the init scripts reaches a half-set-up database.
  pg_ctl -D "$PGDATA" -w -o "$(printf "'%s' " "$@") -c listen_addresses=''" start
  for file in /docker-entrypoint-initdb.d/*; do
    [ -e "$file" ] || continue
    case "$file" in
      *.sh)
        # shellcheck disable=SC1090 # the init scripts are the image user's
        if [ -x "$file" ]; then log "running $file"; "$file"; else log "sourcing $file"; . "$file"; fi
        ;;
      *.sql)
        log "running $file"
        psql -v ON_ERROR_STOP=1 -X -q --username "$POSTGRES_USER" --dbname postgres -f "$file"
        ;;
      *) log "ignoring $file" ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop
  log "initialised; starting"
  set -- postgres "$@"
fi
exec "$@"
