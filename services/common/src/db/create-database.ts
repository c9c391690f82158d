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
  await runMigrations(cfg.databaseUrl, migrationsDir, log);
  const base = {
    max: cfg.poolMax,
    connectTimeoutMs: cfg.connectTimeoutMs,
    statementTimeoutMs: cfg.statementTimeoutMs,
  };
  const primary = createPool(
    { ...base, url: cfg.databaseUrl, name: `${service}-primary`, synchronousCommit: 'remote_apply' },
    log,
  );
  if (!cfg.replicaUrl) {
    const db = new Database({
      primary,
      syncCommitDeadlineMs: cfg.syncCommitDeadlineMs,
      statementTimeoutMs: cfg.statementTimeoutMs,
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
