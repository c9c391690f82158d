#!/bin/sh
# Bazar's PostgreSQL primary, on any image with the PostgreSQL 15 server binaries on PATH (the official `postgres`
# image, or one built from Debian's postgresql-15: no image entrypoint is used). Every input is an environment
# variable.
#
#   postgres-primary.sh start CMD…   the container's command on every start. With an empty data dir it runs initdb
#                                  (superuser POSTGRES_USER with POSTGRES_PASSWORD, POSTGRES_INITDB_ARGS), then
#                                  the init step below against a temporary socket-only server; otherwise it
#                                  rewrites pg_hba.conf (so a changed ALLOWED_CIDRS applies after `helm upgrade`).
#                                  Then it execs CMD (`postgres -c …`).
#   postgres-primary.sh post-bootstrap URL   the roles and databases alone (Patroni's post_bootstrap hook).
#   postgres-primary.sh            the init step alone, against a running server reached through PGHOST/PGPORT:
#                                  creates the service roles (with pg_monitor) and databases, the replication role
#                                  and the standby's replication slot, and writes pg_hba.conf. Safe to run again.
#
# Inputs: PGDATA; POSTGRES_USER (superuser, default postgres); CATALOG_DB_PASSWORD, ORDERS_DB_PASSWORD,
# REPLICATION_PASSWORD; CATALOG_DB/CATALOG_USER (default catalog), ORDERS_DB/ORDERS_USER (default orders),
# REPLICATION_USER (default replicator); REPLICATION_SLOT (default bazar_replica; empty: no slot);
# ALLOWED_CIDRS: space-separated networks allowed to log in over TCP (the pod network). psql reaches the server
# through the usual PGHOST/PGPORT; the temporary server of a first start listens on PGHOST's socket directory
# (default /var/run/postgresql) and PGPORT (default 5432).
set -eu

CATALOG_DB=${CATALOG_DB:-catalog}
CATALOG_USER=${CATALOG_USER:-catalog}
ORDERS_DB=${ORDERS_DB:-orders}
ORDERS_USER=${ORDERS_USER:-orders}
REPLICATION_USER=${REPLICATION_USER:-replicator}
REPLICATION_SLOT=${REPLICATION_SLOT-bazar_replica}
ALLOWED_CIDRS=${ALLOWED_CIDRS:-10.0.0.0/8 172.16.0.0/12 192.168.0.0/16}

log() { printf 'postgres-primary: %s\n' "$*" >&2; }

# Unix socket: trust (only the server's own OS user reaches it). TCP from the pod network: SCRAM passwords,
# for the services' databases and for streaming replication. Nothing else may connect.
write_hba() {
  : "${PGDATA:?PGDATA must name the data directory}"
  for cidr in $ALLOWED_CIDRS; do
    case "$cidr" in
      */*) ;;
      *) log "ALLOWED_CIDRS: '$cidr' is not a network (address/prefix)"; exit 1 ;;
    esac
  done
  tmp="$PGDATA/pg_hba.conf.new"
  {
    echo '# Written by postgres-primary.sh on every start; edits here are lost.'
    echo '# TYPE  DATABASE     USER  ADDRESS  METHOD'
    echo 'local   all          all            trust'
    echo 'local   replication  all            trust'
    for cidr in $ALLOWED_CIDRS; do
      printf 'host    %-12s %-5s %-8s scram-sha-256\n' "$CATALOG_DB" "$CATALOG_USER" "$cidr"
      printf 'host    %-12s %-5s %-8s scram-sha-256\n' "$ORDERS_DB" "$ORDERS_USER" "$cidr"
      printf 'host    replication  %-5s %-8s scram-sha-256\n' "$REPLICATION_USER" "$cidr"
    done
  } >"$tmp"
  mv "$tmp" "$PGDATA/pg_hba.conf"
  log "pg_hba.conf allows $ALLOWED_CIDRS"
}

init_database() {
  : "${CATALOG_DB_PASSWORD:?}" "${ORDERS_DB_PASSWORD:?}" "${REPLICATION_PASSWORD:?}"
  # No standby exists yet: a synchronous commit would wait for one forever.
  PGOPTIONS='-c synchronous_commit=local' psql -v ON_ERROR_STOP=1 -X -q \
    --username "${POSTGRES_USER:-postgres}" --dbname postgres \
    -v catalog_db="$CATALOG_DB" -v catalog_user="$CATALOG_USER" -v catalog_pw="$CATALOG_DB_PASSWORD" \
    -v orders_db="$ORDERS_DB" -v orders_user="$ORDERS_USER" -v orders_pw="$ORDERS_DB_PASSWORD" \
    -v repl_user="$REPLICATION_USER" -v repl_pw="$REPLICATION_PASSWORD" -v slot="$REPLICATION_SLOT" <<'SQL'
-- Roles: created when missing, password (re)set either way. format() quotes, so values are never spliced raw.
SELECT format('CREATE ROLE %I LOGIN', r) FROM unnest(ARRAY[:'catalog_user', :'orders_user']) AS r
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) \gexec
SELECT format('CREATE ROLE %I LOGIN REPLICATION', :'repl_user')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'repl_user') \gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'catalog_user', :'catalog_pw') \gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'orders_user', :'orders_pw') \gexec
SELECT format('ALTER ROLE %I LOGIN REPLICATION PASSWORD %L', :'repl_user', :'repl_pw') \gexec
-- pg_monitor lets the services read pg_stat_replication's state (NULL for plain roles): their ReplicaMonitor
-- needs it to see the synchronous standby streaming.
SELECT format('GRANT pg_monitor TO %I', r) FROM unnest(ARRAY[:'catalog_user', :'orders_user']) AS r \gexec
-- One database per service, owned by its role.
SELECT format('CREATE DATABASE %I OWNER %I', d, o)
  FROM (VALUES (:'catalog_db', :'catalog_user'), (:'orders_db', :'orders_user')) AS t(d, o)
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = d) \gexec
-- The standby's slot: the primary keeps the WAL the standby has not received yet, however long it is away.
-- The primary owns it, so a replica rebuilt from an empty volume simply reuses it.
SELECT format('SELECT FROM pg_create_physical_replication_slot(%L)', :'slot')
 WHERE :'slot' <> '' AND NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = :'slot') \gexec
SQL
  log "roles $CATALOG_USER, $ORDERS_USER (pg_monitor), $REPLICATION_USER (replication); databases $CATALOG_DB, $ORDERS_DB; slot '${REPLICATION_SLOT}'"
}

# An empty data directory: initdb, then the init step against a temporary socket-only server (what the official
# image's entrypoint would do; done here, any image with the PostgreSQL 15 binaries will do).
initialise() {
  : "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set for a new database}"
  mkdir -p "$PGDATA"
  chmod 700 "$PGDATA"
  pwfile=$(mktemp "${TMPDIR:-/tmp}/pwfile.XXXXXX")
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  # shellcheck disable=SC2086 # a list of initdb arguments
  initdb -D "$PGDATA" --username="${POSTGRES_USER:-postgres}" --pwfile="$pwfile" --auth-local=trust \
    --auth-host=scram-sha-256 ${POSTGRES_INITDB_ARGS:-} >&2
  rm -f "$pwfile"
  pg_ctl -D "$PGDATA" -w -o "-c listen_addresses='' -c unix_socket_directories='${PGHOST:-/var/run/postgresql}'" \
    start >&2
  init_database
  write_hba
  pg_ctl -D "$PGDATA" -m fast -w stop >&2
}

case "${1:-init}" in
  init)
    init_database
    write_hba
    ;;
  post-bootstrap)
    # Patroni's post_bootstrap, on the new primary after its initdb (it passes a connection URL; the local socket
    # serves). Patroni made the replication role, manages the slots and writes pg_hba.conf itself.
    REPLICATION_SLOT='' init_database
    ;;
  start)
    shift
    [ $# -gt 0 ] || { log 'start: give the command to run (postgres …)'; exit 64; }
    if [ -s "${PGDATA:?}/PG_VERSION" ]; then write_hba; else initialise; fi
    exec "$@"
    ;;
  *)
    log "unknown mode '$1' (expected: init, start, post-bootstrap)"
    exit 64
    ;;
esac
