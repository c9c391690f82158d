// Database: the one place that decides where a statement runs. Reads go to the replica while this pod holds a
// replica read lease (see ReplicaMonitor), else to the primary; never to the replica without a lease. Writes run in one primary transaction whose commit waits for the synchronous standby when it
// is healthy, is cut loose after a deadline when it is not, and is acknowledged only when read-after-write holds.
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import type { Logger } from '../logger';
import { annotate } from '../telemetry/annotate';
import type { AppError } from '../errors';
import {
  databaseBusy,
  databaseUnavailable,
  isPoolExhausted,
  isStatementTimeout,
  isUnavailable,
  primaryUnavailable,
  writeFailure,
} from './errors';
import type { ReplicaMonitor } from './replica-monitor';

export type Queryable = Pick<pg.Pool, 'query'>;
export type ReadSource = 'primary' | 'replica';

export interface DatabaseOptions {
  primary: pg.Pool;
  /** Absent when there is no replica: every read then goes to the primary. */
  replica?: { pool: pg.Pool; monitor: ReplicaMonitor };
  /** How long a commit may wait for the synchronous standby before the wait is cancelled. */
  syncCommitDeadlineMs: number;
  /** The pools' statement_timeout: a statement's own time limit can only be shorter. */
  statementTimeoutMs: number;
  /**
   * An HA engine (Patroni, CloudNativePG) owns synchronous replication and failover. It may promote the standby it
   * names at any moment, so a commit that standby has not confirmed must never be acknowledged: commits always wait
   * for it (the engine itself stops naming a failed standby, which releases them), are never cut loose here, and
   * one cut loose by anyone else is answered 503. There is no replica pool: reads go to the primary.
   */
  haEngine?: boolean;
  log: Logger;
}

export class Database {
  readonly reads: Record<ReadSource, number> = { primary: 0, replica: 0 };
  /** Backend pids of this pod's commits now waiting for the synchronous standby. */
  private readonly waitingCommits = new Set<number>();

  constructor(private readonly opts: DatabaseOptions) {}

  get monitor(): ReplicaMonitor | undefined {
    return this.opts.replica?.monitor;
  }

  /**
   * Runs a read where read-after-write holds: on the replica while this pod holds a replica read lease (falling
   * back to the primary if the replica fails), else on the primary. Never on the replica without a lease — not
   * when the primary is busy, nor when it is down: the replica may then lack an acknowledged write (I2). A busy
   * primary (no free connection, a statement out of time) is `database_busy`/`database_timeout`, one that cannot
   * be reached `database_unavailable`.
   */
  async read<T>(fn: (db: Queryable) => Promise<T>): Promise<T> {
    const replica = this.opts.replica;
    if (replica?.monitor.replicaReadable()) {
      try {
        const value = await fn(replica.pool);
        this.reads.replica++;
        annotate({ 'bazar.db.read_from': 'replica' });
        return value;
      } catch (err) {
        if (!isUnavailable(err)) throw err;
      }
    }
    const pool = this.opts.primary;
    try {
      const value = await fn(pool);
      this.reads.primary++;
      annotate({ 'bazar.db.read_from': 'primary' });
      return value;
    } catch (err) {
      if (!isUnavailable(err)) throw err;
      if (isPoolExhausted(err, pool) || isStatementTimeout(err)) throw busyFailure(err, pool);
      this.opts.log.warn({ err: errorMessage(err) }, 'read failed: no database server may answer it');
      throw databaseUnavailable();
    }
  }

  /** Reads from the primary only: for checks that must see the latest committed state. */
  async readPrimary<T>(fn: (db: Queryable) => Promise<T>): Promise<T> {
    try {
      return await fn(this.opts.primary);
    } catch (err) {
      if (!isUnavailable(err)) throw err;
      this.opts.log.warn({ err: errorMessage(err) }, 'primary read failed');
      throw this.writeFailure(err);
    }
  }

  /** Runs `fn` in a primary transaction; resolves only once the write is durable and visible to later reads. */
  async write<T>(fn: (tx: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.connectPrimary();
    let broken: Error | undefined;
    let result: T;
    let confirmedByStandby: boolean;
    try {
      await client.query('BEGIN');
      result = await fn(client);
      confirmedByStandby = await this.commit(client);
    } catch (err) {
      if (isUnavailable(err)) {
        broken = err instanceof Error ? err : new Error(String(err));
        this.opts.log.warn({ err: errorMessage(err) }, 'write failed');
        throw this.writeFailure(err);
      }
      await client.query('ROLLBACK').catch((e: Error) => (broken = e));
      throw err;
    } finally {
      client.release(broken);
    }
    annotate({
      'bazar.replication.mode': this.monitor?.mode,
      'bazar.db.confirmed_by_standby': confirmedByStandby,
    });
    // Committed; the connection is back in the pool before the wait, which needs none.
    if (this.monitor && !confirmedByStandby) await this.monitor.waitOutLeases(performance.now());
    return result;
  }

  /** A primary connection; a pool with none free in time is `database_busy`, a server gone `primary_unavailable`. */
  private async connectPrimary(): Promise<pg.PoolClient> {
    try {
      return await this.opts.primary.connect();
    } catch (err) {
      const exhausted = isPoolExhausted(err, this.opts.primary);
      this.opts.log.warn({ err: errorMessage(err), exhausted }, 'cannot get a primary connection');
      throw exhausted ? databaseBusy() : primaryUnavailable();
    }
  }

  /** The 503 for a write or primary read that failed for want of the server (not for a bad statement). */
  private writeFailure(err: unknown): AppError {
    return isPoolExhausted(err, this.opts.primary) ? databaseBusy() : writeFailure(err);
  }

  /**
   * A Queryable for writes of exactly one statement. While commits wait for the standby, the statement runs on
   * its own (autocommit): no BEGIN and COMMIT round trips, so its row locks are held only for the statement and
   * its commit. Otherwise it runs in write()'s transaction. A failing statement changes nothing either way. With
   * `timeLimitMs`, the statement (lock waits included) may take at most that long, and less than the pool's
   * statement timeout; the commit's wait for the standby and the read lease come on top (see commitTailMs).
   */
  singleStatement(timeLimitMs?: number): Queryable {
    // No SET round trips when the pool's own statement_timeout is the tighter bound (the usual case).
    const limit =
      timeLimitMs === undefined || timeLimitMs >= this.opts.statementTimeoutMs
        ? undefined
        : Math.max(1, Math.floor(timeLimitMs));
    return {
      query: ((text: string, values?: unknown[]) =>
        this.writeStatement(text, values ?? [], limit)) as Queryable['query'],
    };
  }

  private async writeStatement(text: string, values: unknown[], limitMs?: number): Promise<pg.QueryResult> {
    const monitor = this.monitor;
    if (monitor?.mode !== 'sync') {
      return this.write(async (tx) => {
        if (limitMs !== undefined) await tx.query(`SET LOCAL statement_timeout = ${limitMs}`);
        return tx.query(text, values);
      });
    }
    const client = await this.connectPrimary();
    let broken: Error | undefined;
    let outcome: { value: pg.QueryResult; confirmed: boolean };
    try {
      if (limitMs !== undefined) await client.query(`SET statement_timeout = ${limitMs}`);
      outcome = await this.waitingForStandby(client, () => client.query(text, values));
      if (limitMs !== undefined) await client.query('RESET statement_timeout');
    } catch (err) {
      if (!isUnavailable(err)) throw err;
      broken = err instanceof Error ? err : new Error(String(err));
      this.opts.log.warn({ err: errorMessage(err) }, 'write failed');
      throw this.writeFailure(err);
    } finally {
      client.release(broken);
    }
    annotate({ 'bazar.replication.mode': 'sync', 'bazar.db.confirmed_by_standby': outcome.confirmed });
    if (!outcome.confirmed) await monitor.waitOutLeases(performance.now());
    return outcome.value;
  }

  /**
   * Commits; returns true only when the synchronous standby confirmed it (remote_apply). The mode is chosen at
   * commit time, not at BEGIN, so a transaction that queued on a row lock behind a stalled commit does not stall
   * in turn once the standby is known to be in trouble.
   */
  private async commit(client: pg.PoolClient): Promise<boolean> {
    if (this.opts.haEngine) return this.commitConfirmedByEngineStandby(client);
    if (this.monitor?.mode !== 'sync') {
      await client.query('SET LOCAL synchronous_commit = local; COMMIT');
      return false;
    }
    return (await this.waitingForStandby(client, () => client.query('COMMIT'))).confirmed;
  }

  /**
   * Runs `commitWork` (a COMMIT, or a statement that commits on its own) under the standby deadline. Each time the
   * deadline passes, every commit of this pod then waiting for the standby (wait_event SyncRep) is cut loose; one
   * still waiting for a row lock is not, and its deadline starts over. Postgres's notice says whether this commit
   * was cut loose: `confirmed` is true only when the standby applied it.
   */
  private async waitingForStandby<T>(
    client: pg.PoolClient,
    commitWork: () => Promise<T>,
  ): Promise<{ value: T; confirmed: boolean }> {
    const pid = (client as unknown as { processID: number }).processID;
    let pending = true;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      timer = setTimeout(() => {
        void this.cutLooseWaitingCommits().finally(() => {
          if (pending) arm();
        });
      }, this.opts.syncCommitDeadlineMs);
    };
    this.waitingCommits.add(pid);
    arm();
    try {
      const { value, cutLoose } = await whileHearingCutLoose(client, commitWork);
      return { value, confirmed: !cutLoose };
    } finally {
      pending = false;
      clearTimeout(timer);
      this.waitingCommits.delete(pid);
    }
  }

  /**
   * COMMIT under an HA engine. The server's statement_timeout is lifted for it: on firing during the wait for the
   * standby it would commit locally and say so only in a warning, leaving an acknowledged-looking commit that the
   * standby the engine may promote lacks. The client-side bound (the pool's query_timeout) still ends the request
   * in time; the outcome of such a commit is then unknown (503), and an idempotent retry finds it.
   */
  private async commitConfirmedByEngineStandby(client: pg.PoolClient): Promise<boolean> {
    const { cutLoose } = await whileHearingCutLoose(client, () =>
      client.query('SET LOCAL statement_timeout = 0; COMMIT'),
    );
    if (cutLoose) {
      this.opts.log.error(
        'a commit was cut loose from the synchronous standby; answered 503, not acknowledged',
      );
      throw primaryUnavailable();
    }
    return true;
  }

  /** A commit waited too long for the standby: cut loose every commit of this pod waiting for it. */
  private async cutLooseWaitingCommits(): Promise<void> {
    const monitor = this.monitor!;
    const pids = [...this.waitingCommits];
    try {
      const cancelled = await monitor.cancelSyncWaits(pids);
      if (cancelled === 0) return; // still waiting for locks, not for the standby
      monitor.noteSyncWaitCancelled();
      this.opts.log.warn(
        { pids, cancelled },
        'commits waited too long for the standby; committed them locally',
      );
    } catch (err) {
      this.opts.log.error({ err: errorMessage(err), pids }, 'could not cancel the standby waits');
    }
  }
}

/**
 * Runs `work` (a commit) on `client` and tells whether Postgres cut its wait for the synchronous standby loose
 * (its notice "canceling wait for synchronous replication"): then it committed locally, unconfirmed by the standby.
 */
async function whileHearingCutLoose<T>(
  client: pg.PoolClient,
  work: () => Promise<T>,
): Promise<{ value: T; cutLoose: boolean }> {
  let cutLoose = false;
  const onNotice = (n: { message?: string }) => {
    if (/canceling wait for synchronous replication/i.test(n.message ?? '')) cutLoose = true;
  };
  client.on('notice', onNotice);
  try {
    return { value: await work(), cutLoose };
  } finally {
    client.off('notice', onNotice);
  }
}

function busyFailure(err: unknown, pool: pg.Pool): AppError {
  return isPoolExhausted(err, pool) ? databaseBusy() : writeFailure(err);
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
