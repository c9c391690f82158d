// Prometheus view of a pod's use of the replica: write mode, read lease, lag, where reads went.
import { Gauge } from 'prom-client';
import { metricsRegistry, observedCounter } from '../metrics';
import type { Database } from './database';

export function registerReplicationMetrics(db: Database): void {
  const gauge = (name: string, help: string, read: () => number | null | undefined) =>
    new Gauge({
      name,
      help,
      registers: [metricsRegistry],
      collect() {
        const v = read();
        if (v !== null && v !== undefined) this.set(v);
      },
    });
  gauge(
    'bazar_replication_sync_mode',
    '1 while commits wait for the synchronous standby, 0 in local mode',
    () => (db.monitor ? (db.monitor.mode === 'sync' ? 1 : 0) : undefined),
  );
  gauge('bazar_replica_read_lease', '1 while this pod may read from the replica', () =>
    db.monitor ? (db.monitor.replicaReadable() ? 1 : 0) : undefined,
  );
  gauge(
    'bazar_replica_lag_bytes',
    'WAL bytes the replica has not replayed yet',
    () => db.monitor?.status().lagBytes,
  );
  observedCounter('bazar_db_reads_replica_total', 'reads served by the replica', () => db.reads.replica);
  observedCounter('bazar_db_reads_primary_total', 'reads served by the primary', () => db.reads.primary);
  observedCounter(
    'bazar_sync_waits_cancelled_total',
    'commits cut loose from a standby wait past the deadline',
    () => db.monitor?.status().syncWaitsCancelled ?? 0,
  );
}
