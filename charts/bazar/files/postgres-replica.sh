#!/bin/sh
# Bazar's PostgreSQL streaming replica, on the official `postgres` image: the container's command.
#
# With an empty data directory it clones the primary with `pg_basebackup -R` (streaming the WAL written meanwhile,
# through the primary's replication slot); with a cloned one it just starts. Either way it then points
# primary_conninfo at the primary with application_name=$STANDBY_NAME, the name the primary's
# synchronous_standby_names waits for (`pg_basebackup -R` sets no application_name), and execs postgres.
#
# Inputs: PGDATA; PRIMARY_HOST, PRIMARY_PORT (5432); REPLICATION_USER (replicator), REPLICATION_PASSWORD;
# STANDBY_NAME (bazar_replica); REPLICATION_SLOT (default: STANDBY_NAME; empty: none);
# PRIMARY_WAIT_SECONDS (300): how long to wait for the primary before the first clone.
# Extra arguments are passed to postgres (e.g. -c settings).
set -eu

: "${PGDATA:?PGDATA must name the data directory}"
: "${PRIMARY_HOST:?PRIMARY_HOST must name the primary}"
: "${REPLICATION_PASSWORD:?}"
PRIMARY_PORT=${PRIMARY_PORT:-5432}
REPLICATION_USER=${REPLICATION_USER:-replicator}
STANDBY_NAME=${STANDBY_NAME:-bazar_replica}
REPLICATION_SLOT=${REPLICATION_SLOT-$STANDBY_NAME}
PRIMARY_WAIT_SECONDS=${PRIMARY_WAIT_SECONDS:-300}

log() { printf 'postgres-replica: %s\n' "$*" >&2; }

# A value in libpq conninfo syntax: single-quoted, backslashes and quotes escaped.
conninfo_value() { printf "'%s'" "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e "s/'/\\\\'/g")"; }
# A value in postgresql.conf syntax: single-quoted, quotes doubled.
conf_value() { printf "'%s'" "$(printf '%s' "$1" | sed -e "s/'/''/g")"; }

# The type of the primary's replication slot ("physical"), or nothing when there is no such slot.
slot_type() {
  PGPASSWORD=$REPLICATION_PASSWORD psql -X -A -t -q -v ON_ERROR_STOP=1 \
    "host=$PRIMARY_HOST port=$PRIMARY_PORT user=$REPLICATION_USER dbname=replication replication=true" \
    -c "READ_REPLICATION_SLOT $REPLICATION_SLOT" | cut -d '|' -f 1
}

clone_primary() {
  log "empty data directory: cloning $PRIMARY_HOST:$PRIMARY_PORT"
  waited=0
  until pg_isready -q -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U "$REPLICATION_USER" -d postgres; do
    if [ "$waited" -ge "$PRIMARY_WAIT_SECONDS" ]; then
      log "the primary did not accept connections within ${PRIMARY_WAIT_SECONDS}s"
      exit 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
  # Clone into a sibling first, so a clone cut short never leaves a data dir that looks complete.
  partial="$PGDATA.partial"
  rm -rf "$partial"
  set -- -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U "$REPLICATION_USER" -D "$partial" \
    -R -X stream --checkpoint=fast --no-password
  if [ -n "$REPLICATION_SLOT" ]; then
    set -- "$@" -S "$REPLICATION_SLOT"
    # The primary creates the slot when it is initialised with a replica; a replica added later creates it here.
    if [ -z "$(slot_type)" ]; then set -- "$@" -C; fi
  fi
  PGPASSWORD=$REPLICATION_PASSWORD pg_basebackup "$@"
  rm -rf "$PGDATA"
  mv "$partial" "$PGDATA"
  chmod 700 "$PGDATA"
  log "cloned"
}

# Later lines win in postgresql.auto.conf: drop our previous block and append the current one, so a changed
# password or standby name applies on the next start.
point_at_primary() {
  auto="$PGDATA/postgresql.auto.conf"
  conninfo="host=$(conninfo_value "$PRIMARY_HOST") port=$PRIMARY_PORT user=$(conninfo_value "$REPLICATION_USER")"
  conninfo="$conninfo password=$(conninfo_value "$REPLICATION_PASSWORD") application_name=$(conninfo_value "$STANDBY_NAME")"
  sed '/^# --- bazar standby ---$/,$d' "$auto" >"$auto.new"
  {
    echo '# --- bazar standby ---'
    echo "primary_conninfo = $(conf_value "$conninfo")"
    echo "primary_slot_name = $(conf_value "$REPLICATION_SLOT")"
  } >>"$auto.new"
  chmod 600 "$auto.new"
  mv "$auto.new" "$auto"
  touch "$PGDATA/standby.signal"
}

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  clone_primary
else
  log "data directory already cloned: starting"
fi
point_at_primary
log "streaming from $PRIMARY_HOST:$PRIMARY_PORT as '$STANDBY_NAME'"
exec postgres -D "$PGDATA" "$@"
