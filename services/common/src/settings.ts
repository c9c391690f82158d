// Settings every service shares. Each service's config.ts spreads these and adds its own.
import { env, setting } from './config';
import { hostname } from 'node:os';
import { z } from 'zod';

export const serviceSettings = {
  host: setting('HOST', env.string('0.0.0.0'), 'address to listen on'),
  metricsPort: setting(
    'METRICS_PORT',
    env.port(9464),
    'port of GET /metrics (Prometheus text), apart from the API port so that only scrapers need reach it; 0: any ' +
      'free port (logged)',
  ),
  logLevel: setting('LOG_LEVEL', env.logLevel(), 'pino log level'),
  podName: setting(
    'POD_NAME',
    env.string(hostname()),
    'name reported in X-Served-By (the pod name on Kubernetes)',
  ),
  internalToken: setting('INTERNAL_TOKEN', env.secret(), 'bearer token required on internal endpoints'),
  bodyLimit: setting('BODY_LIMIT', env.string('64kb'), 'largest accepted JSON body; larger ones get 413'),
  requestDeadlineMs: setting(
    'REQUEST_DEADLINE_MS',
    env.int(10_000, 500),
    'budget of a request: the frontend answers every public request within it, passing what is left to each hop ' +
      '(X-Bazar-Deadline-Ms); an internal service uses it as the cap on what a caller may ask for',
  ),
  testHooks: setting(
    'TEST_HOOKS',
    env.flag(false),
    'expose the test gates tests use to stage races and crashes (frontend: cache fills; order: after the ' +
      'reservation); never in production',
  ),
  drainMs: setting(
    'SHUTDOWN_DRAIN_MS',
    env.int(12_000),
    'on SIGTERM, how long in-flight requests may finish; longer than REQUEST_DEADLINE_MS, so that a request ' +
      'accepted just before the SIGTERM is answered within its deadline rather than cut',
  ),
};

/** The cross-setting rules of serviceSettings; every service's config loader calls it. */
export function checkServiceSettings(cfg: { drainMs: number; requestDeadlineMs: number }): void {
  if (cfg.drainMs <= cfg.requestDeadlineMs) {
    throw new Error(
      `SHUTDOWN_DRAIN_MS: must be larger than REQUEST_DEADLINE_MS (${cfg.requestDeadlineMs}), or a pod that ` +
        'stops cuts requests it accepted before their deadline',
    );
  }
}

export const databaseSettings = {
  databaseUrl: setting('DATABASE_URL', env.url(), 'postgres:// URL of the primary'),
  replicaUrl: setting(
    'DATABASE_REPLICA_URL',
    env.url().optional(),
    'postgres:// URL of the streaming replica; unset: all reads go to the primary',
  ),
  haEngine: setting(
    'DB_HA_ENGINE',
    env.flag(false),
    'an HA engine (Patroni, CloudNativePG) runs the database and DATABASE_URL always leads to its primary: ' +
      'commits always wait for its synchronous standby (never committed locally by Bazar), reads go to the ' +
      'primary; DATABASE_REPLICA_URL must be unset',
  ),
  poolMax: setting('DB_POOL_MAX', env.int(20, 1), 'connections per pool'),
  connectTimeoutMs: setting(
    'DB_CONNECT_TIMEOUT_MS',
    env.int(1500, 50),
    'bound on getting a connection (waiting for a free one or opening one); a refused connection fails at once',
  ),
  statementTimeoutMs: setting(
    'DB_STATEMENT_TIMEOUT_MS',
    env.int(1500, 50),
    'bound on one statement, lock waits included (commits waiting for the standby are bounded separately)',
  ),
  standbyName: setting(
    'DB_STANDBY_NAME',
    env.string('bazar_replica'),
    'application_name of the synchronous standby (synchronous_standby_names on the primary)',
  ),
  replicaCheckIntervalMs: setting(
    'REPLICA_CHECK_INTERVAL_MS',
    env.int(100, 10),
    'how often the replica is checked',
  ),
  replicaLeaseMs: setting(
    'REPLICA_READ_LEASE_MS',
    env.int(400, 50),
    'replica read lease; must be the same on every pod and larger than the check interval',
  ),
  syncCommitDeadlineMs: setting(
    'SYNC_COMMIT_DEADLINE_MS',
    env.int(400, 10),
    'how long a commit waits for the standby before it is committed locally (not with DB_HA_ENGINE)',
  ),
};

/**
 * What a write needs after its statement: the commit's wait for the standby before it is cut loose, and the
 * read-lease wait of a commit the standby did not confirm. A hop that bounds a statement by its deadline keeps
 * this much back for the commit.
 */
export function commitTailMs(cfg: { syncCommitDeadlineMs: number; replicaLeaseMs: number }): number {
  return cfg.syncCommitDeadlineMs + cfg.replicaLeaseMs;
}

/** The least time a statement is given to run: with less of a deadline left, a hop does not start a write. */
export const minStatementMs = 300;

export const serviceName = z.enum(['catalog', 'order', 'frontend']);
