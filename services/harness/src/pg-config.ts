// Configuration the harness writes into data dirs: postgresql.conf, pg_hba.conf, replica overrides.

/** A value in postgresql.conf syntax: single-quoted, quotes doubled. */
export function confString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A value in libpq conninfo syntax: single-quoted, backslash and quote escaped. */
export function conninfoValue(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

export interface PrimarySettings {
  port: number;
  socketDir: string;
  standbyName: string;
  fsync: boolean;
}

/** Appended to the postgresql.conf initdb wrote; a later line wins over the sample's defaults. */
export function primaryConf(s: PrimarySettings): string {
  // Double quotes make the name an identifier, so case and punctuation are kept as given.
  const standby = `"${s.standbyName.replaceAll('"', '""')}"`;
  return [
    '',
    '# --- written by @bazar/harness ---',
    `listen_addresses = '127.0.0.1'`,
    `port = ${s.port}`,
    `unix_socket_directories = ${confString(s.socketDir)}`,
    `max_connections = 200`,
    `wal_level = replica`,
    `max_wal_senders = 10`,
    `hot_standby = on`,
    `synchronous_standby_names = ${confString(standby)}`,
    `fsync = ${s.fsync ? 'on' : 'off'}`,
    // The log goes to the file pg_ctl -l names; the prefix makes replication problems readable.
    `log_line_prefix = '%m [%p] %q%a '`,
    `log_replication_commands = on`,
    '',
  ].join('\n');
}

/**
 * Password (SCRAM) auth for every TCP connection, replication included, as in a real deployment;
 * trust on the private Unix socket, which only the server's OS user can reach.
 */
export function hbaConf(): string {
  return [
    '# TYPE  DATABASE     USER  ADDRESS        METHOD',
    'local   all          all                  trust',
    'local   replication  all                  trust',
    'host    all          all   127.0.0.1/32   scram-sha-256',
    'host    replication  all   127.0.0.1/32   scram-sha-256',
    '',
  ].join('\n');
}

export interface ReplicaSettings {
  port: number;
  primaryPort: number;
  user: string;
  password: string;
  standbyName: string;
}

/**
 * Appended to the replica's postgresql.auto.conf after `pg_basebackup -R`. -R writes a
 * primary_conninfo without application_name, and the primary matches synchronous_standby_names
 * against application_name; a later line in the file overrides the earlier one.
 */
export function replicaAutoConf(s: ReplicaSettings): string {
  const conninfo = [
    `host=127.0.0.1`,
    `port=${s.primaryPort}`,
    `user=${conninfoValue(s.user)}`,
    `password=${conninfoValue(s.password)}`,
    `application_name=${conninfoValue(s.standbyName)}`,
  ].join(' ');
  return [
    '',
    '# --- written by @bazar/harness ---',
    `port = ${s.port}`,
    `primary_conninfo = ${confString(conninfo)}`,
    // Reconnect quickly after the primary restarts (default 5 s), so tests do not wait for it.
    `wal_retrieve_retry_interval = '200ms'`,
    '',
  ].join('\n');
}
