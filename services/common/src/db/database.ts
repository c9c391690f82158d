// Database: the one place that decides where a statement runs. Reads go to the replica while this pod holds a
// replica read lease (see ReplicaMonitor), else to the primary, each falling back to the other when its server
// is unreachable. Writes run in one primary transaction whose commit waits for the synchronous standby when it
// is healthy, is cut loose after a deadline when it is not, and is acknowledged only when read-after-write holds.
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import type { Logger } from '../logger';
import { databaseUnavailable, isUnavailable, primaryUnavailable } from './errors';
import type { ReplicaMonitor } from './replica-monitor';

export type Queryable = Pick<pg.Pool, 'query'>;
export type ReadSource = 'primary' | 'replica';

export interface DatabaseOptions {
  primary: pg.Pool;
  /** Absent when there is no replica: every read then goes to the primary. */
  replica?: { pool: pg.Pool; monitor: ReplicaMonitor };
  /** How long a commit may wait for the synchronous standby before the wait is cancelled. */
  syncCommitDeadlineMs: number;
  log: Logger;
}

export class Database {
  readonly reads: Record<ReadSource, number> = { primary: 0, replica: 0 };

  constructor(private readonly opts: DatabaseOptions) {}

  get monitor(): ReplicaMonitor | undefined {
    return this.opts.replica?.monitor;
  }

  /** Runs a read where read-after-write holds; falls back to the other server when one is unreachable. */
  async read<T>(fn: (db: Queryable) => Promise<T>): Promise<T> {
    const replica = this.opts.replica;
    const order: ReadSource[] = replica?.monitor.replicaReadable() ? ['replica', 'primary'] : ['primary'];
    // With the primary unreachable no write can be acknowledged, so the replica holds every acknowledged write
    // that was confirmed by it; it is the best source left.
    if (replica && order.length === 1) order.push('replica');
    let lastErr: unknown;
    for (const source of order) {
      try {
        const value = await fn(source === 'replica' ? replica!.pool : this.opts.primary);
        this.reads[source]++;
        return value;
      } catch (err) {
        if (!isUnavailable(err)) throw err;
        lastErr = err;
      }
    }
    this.opts.log.warn({ err: errorMessage(lastErr) }, 'read failed on every database server');
    throw databaseUnavailable();
  }

  /** Reads from the primary only: for checks that must see the latest committed state. */
  async readPrimary<T>(fn: (db: Queryable) => Promise<T>): Promise<T> {
    try {
      return await fn(this.opts.primary);
    } catch (err) {
      throw isUnavailable(err) ? primaryUnavailable() : err;
    }
  }

  /** Runs `fn` in a primary transaction; resolves only once the write is durable and visible to later reads. */
  async write<T>(fn: (tx: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.opts.primary.connect();
    } catch (err) {
      this.opts.log.warn({ err: errorMessage(err) }, 'cannot connect to the primary');
      throw primaryUnavailable();
    }
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const monitor = this.monitor;
      const waitForStandby = monitor?.mode === 'sync';
      if (!waitForStandby) await client.query('SET LOCAL synchronous_commit = local');
      const result = await fn(client);
      const confirmedByStandby = await this.commit(client, waitForStandby);
      if (monitor && !confirmedByStandby) await monitor.waitOutLeases(performance.now());
      return result;
    } catch (err) {
      if (isUnavailable(err)) {
        broken = err instanceof Error ? err : new Error(String(err));
        this.opts.log.warn({ err: errorMessage(err) }, 'write failed: primary unavailable');
        throw primaryUnavailable();
      }
      await client.query('ROLLBACK').catch((e: Error) => (broken = e));
      throw err;
    } finally {
      client.release(broken);
    }
  }

  /** Commits; returns true when the synchronous standby confirmed (remote_apply) within the deadline. */
  private async commit(client: pg.PoolClient, waitForStandby: boolean): Promise<boolean> {
    const monitor = this.monitor;
    if (!waitForStandby || !monitor) {
      await client.query('COMMIT');
      return false;
    }
    let cancelling: Promise<unknown> | undefined;
    const pid = (client as unknown as { processID: number }).processID;
    const timer = setTimeout(() => {
      monitor.noteSyncWaitCancelled();
      this.opts.log.warn({ pid }, 'commit waited too long for the standby; committing locally');
      cancelling = monitor.cancelSyncWait(pid).catch((err: Error) => {
        this.opts.log.error({ err: err.message, pid }, 'could not cancel the standby wait');
      });
    }, this.opts.syncCommitDeadlineMs);
    try {
      await client.query('COMMIT');
    } finally {
      clearTimeout(timer);
      // Never release the connection while a cancel aimed at it may still land.
      if (cancelling) await cancelling;
    }
    return cancelling === undefined;
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
