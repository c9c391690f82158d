// Builds the database stack from validated settings: pools, replica monitor, migrations.
import type { ConfigOf } from '../config';
import type { Logger } from '../logger';
import type { databaseSettings } from '../settings';
import { Database } from './database';
import { runMigrations } from './migrate';
import { createPool } from './pools';
import { ReplicaMonitor } from './replica-monitor';
import { registerReplicationMetrics } from './replication-metrics';

export type DatabaseConfig = ConfigOf<typeof databaseSettings>;

export interface DatabaseStack {
  db: Database;
  close(): Promise<void>;
}

export async function createDatabase(
  service: string,
  cfg: DatabaseConfig,
  migrationsDir: string,
  log: Logger,
): Promise<DatabaseStack> {
  if (cfg.replicaLeaseMs <= cfg.replicaCheckIntervalMs) {
    throw new Error('REPLICA_READ_LEASE_MS must be larger than REPLICA_CHECK_INTERVAL_MS');
  }
  if (cfg.haEngine && cfg.replicaUrl) {
    throw new Error(
      'DB_HA_ENGINE: DATABASE_REPLICA_URL must be unset (reads go to the primary the HA engine runs; see docs)',
    );
  }
  await runMigrations(cfg.databaseUrl, migrationsDir, log);
  const base = {
    max: cfg.poolMax,
    connectTimeoutMs: cfg.connectTimeoutMs,
    statementTimeoutMs: cfg.statementTimeoutMs,
  };
  // Under an HA engine the standby's flush is what makes a commit survive a promotion ('on'); with Bazar's own pair,
  // remote_apply also makes it visible on the replica at once (the read lease needs that).
  const synchronousCommit = cfg.haEngine ? 'on' : 'remote_apply';
  const primary = createPool(
    { ...base, url: cfg.databaseUrl, name: `${service}-primary`, synchronousCommit },
    log,
  );
  if (!cfg.replicaUrl) {
    const db = new Database({
      primary,
      syncCommitDeadlineMs: cfg.syncCommitDeadlineMs,
      statementTimeoutMs: cfg.statementTimeoutMs,
      haEngine: cfg.haEngine,
      log,
    });
    registerReplicationMetrics(db);
    return { db, close: () => primary.end() };
  }
  const replica = createPool({ ...base, url: cfg.replicaUrl, name: `${service}-replica` }, log);
  const admin = createPool(
    {
      ...base,
      max: 2,
      connectTimeoutMs: Math.min(cfg.connectTimeoutMs, 500),
      url: cfg.databaseUrl,
      name: `${service}-monitor`,
    },
    log,
  );
  const monitor = new ReplicaMonitor({
    admin,
    replica,
    standbyName: cfg.standbyName,
    intervalMs: cfg.replicaCheckIntervalMs,
    leaseMs: cfg.replicaLeaseMs,
    checkTimeoutMs: Math.min(cfg.statementTimeoutMs, 300),
    log: log.child({ component: 'replica-monitor' }),
  });
  await monitor.start();
  const db = new Database({
    primary,
    replica: { pool: replica, monitor },
    syncCommitDeadlineMs: cfg.syncCommitDeadlineMs,
    statementTimeoutMs: cfg.statementTimeoutMs,
    log,
  });
  registerReplicationMetrics(db);
  return {
    db,
    close: async () => {
      monitor.stop();
      await Promise.all([primary.end(), replica.end(), admin.end()]);
    },
  };
}
