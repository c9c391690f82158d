// What holds a contended row lock, and why it is still held: while something runs, sample pg_stat_activity
// every few milliseconds, find the sessions that block the ones waiting on a lock (pg_blocking_pids), and count
// what each blocker is doing — running SQL, waiting for the standby to apply its commit, or idle in its
// transaction, waiting for its client's next statement.
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';

const blockers = `
  WITH waiting AS (SELECT pid FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock')
  SELECT (SELECT count(*) FROM waiting)::int AS waiters, a.state, a.wait_event_type, a.wait_event
    FROM pg_stat_activity a
   WHERE a.pid IN (SELECT unnest(pg_blocking_pids(pid)) FROM waiting)
     AND a.wait_event_type IS DISTINCT FROM 'Lock'`;

function classify(row) {
  if (row.state === 'idle in transaction')
    return 'idle in transaction: waiting for the client (a catalog pod)';
  if (row.wait_event === 'SyncRep') return 'committing: waiting for the replica to apply (remote_apply)';
  if (row.state === 'active' && !row.wait_event_type) return 'running SQL';
  return `${row.state}, waiting on ${row.wait_event_type}:${row.wait_event}`;
}

/** Starts sampling sessions of `database`; `stop()` resolves to the share of contended samples per holder state. */
export async function sampleLockHolders(connectionString, database, intervalMs = 5) {
  const client = new pg.Client({ connectionString });
  await client.connect();
  const counts = new Map();
  let contended = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const { rows } = await client.query(blockers, [database]);
      if (rows.length > 0) {
        contended++;
        for (const row of rows) counts.set(classify(row), (counts.get(classify(row)) ?? 0) + 1 / rows.length);
      }
      await sleep(intervalMs);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      await client.end();
      return {
        contendedSamples: contended,
        holders: [...counts.entries()]
          .sort((a, b) => b[1] - a[1])
          .map(([state, n]) => ({ state, share: n / Math.max(1, contended) })),
      };
    },
  };
}
