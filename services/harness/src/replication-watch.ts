// Waiting on the replication state Postgres itself reports: pg_stat_replication on the primary,
// replay position on the replica.
import type { QueryResultRow } from 'pg';
import { waitFor } from './wait-for';

type Query = <R extends QueryResultRow>(
  which: 'primary' | 'replica',
  sql: string,
  params?: unknown[],
) => Promise<R[]>;

interface StandbyRow {
  state: string;
  sync_state: string;
}

export class ReplicationWatch {
  constructor(
    private readonly query: Query,
    private readonly standbyName: string,
  ) {}

  /** Until the primary lists the standby as streaming and synchronous. */
  async streaming(timeoutMs: number): Promise<void> {
    await waitFor(
      `replica "${this.standbyName}" to be streaming and sync on the primary`,
      async () => {
        const rows = await this.standbyRows();
        if (rows.some((row) => row.state === 'streaming' && row.sync_state === 'sync')) return true;
        const seen = rows.map((row) => `state=${row.state} sync_state=${row.sync_state}`).join(', ');
        throw new Error(`pg_stat_replication shows ${seen || 'no such standby'}`);
      },
      { timeoutMs },
    );
  }

  /** Until the primary no longer lists the standby as streaming (its walsender has noticed). */
  async notStreaming(timeoutMs: number): Promise<void> {
    await waitFor(
      `the primary to stop listing "${this.standbyName}" as streaming`,
      async () => (await this.standbyRows()).every((row) => row.state !== 'streaming'),
      { timeoutMs },
    );
  }

  /** Until the replica has replayed all WAL the primary had written when this was called. */
  async caughtUp(timeoutMs: number): Promise<void> {
    const [target] = await this.query<{ lsn: string }>('primary', 'SELECT pg_current_wal_lsn()::text AS lsn');
    const lsn = target?.lsn ?? '0/0';
    await waitFor(
      `replica to replay WAL up to ${lsn}`,
      async () => {
        const [row] = await this.query<{ done: boolean | null; at: string | null }>(
          'replica',
          'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done, pg_last_wal_replay_lsn()::text AS at',
          [lsn],
        );
        if (row?.done) return true;
        throw new Error(`replica has replayed up to ${row?.at ?? 'nothing'}`);
      },
      { timeoutMs },
    );
  }

  private standbyRows(): Promise<StandbyRow[]> {
    return this.query<StandbyRow>(
      'primary',
      'SELECT state, sync_state FROM pg_stat_replication WHERE application_name = $1',
      [this.standbyName],
    );
  }
}
