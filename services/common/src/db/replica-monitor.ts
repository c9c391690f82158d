// ReplicaMonitor: decides, continuously, how this pod may use the streaming replica.
//
// Two decisions, both driven by what the primary and the replica report every `intervalMs`:
// - write mode: 'sync' while the named standby streams as a synchronous standby (commits wait for
//   remote_apply), 'local' once it stops streaming or a commit's wait for it passed the deadline (commits do not
//   wait); back to 'sync' only when the standby streams again and has replayed all the primary has written.
// - replica read lease: reads may go to the replica until `leaseUntil`. A lease is granted only when the
//   replica has replayed at least the primary's WAL position read *after* the lease's start time, so every write
//   committed before that start is visible on the replica. A write acknowledged without remote_apply (local mode,
//   or a commit whose standby wait was cancelled) waits `leaseMs` after its commit before it is acknowledged; by
//   then every lease granted before the commit — in any pod, all use the same leaseMs — has expired, and any newer
//   lease needed the replica to replay past that commit. This keeps read-after-write (I2) across pods while the
//   replica comes and goes.
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import type pg from 'pg';
import type { Logger } from '../logger';
import { parseLsn } from './lsn';
import { bounded } from './pools';

export type WriteMode = 'sync' | 'local';

export interface ReplicaMonitorOptions {
  /** A small pool on the primary, separate from request traffic, so checks and cancels never queue behind it. */
  admin: pg.Pool;
  replica: pg.Pool;
  standbyName: string;
  intervalMs: number;
  leaseMs: number;
  checkTimeoutMs: number;
  log: Logger;
}

export interface ReplicaStatus {
  mode: WriteMode;
  replicaReadable: boolean;
  standbyStreaming: boolean;
  primaryReachable: boolean;
  replicaReachable: boolean;
  lagBytes: number | null;
  syncWaitsCancelled: number;
  checks: number;
}

export class ReplicaMonitor {
  private mode_: WriteMode = 'local'; // until proven otherwise, writes do not wait for a standby
  private leaseUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private status_: ReplicaStatus = {
    mode: 'local',
    replicaReadable: false,
    standbyStreaming: false,
    primaryReachable: false,
    replicaReachable: false,
    lagBytes: null,
    syncWaitsCancelled: 0,
    checks: 0,
  };

  constructor(private readonly opts: ReplicaMonitorOptions) {}

  get mode(): WriteMode {
    return this.mode_;
  }

  get leaseMs(): number {
    return this.opts.leaseMs;
  }

  replicaReadable(): boolean {
    return performance.now() < this.leaseUntil;
  }

  status(): ReplicaStatus {
    return { ...this.status_, mode: this.mode_, replicaReadable: this.replicaReadable() };
  }

  async start(): Promise<void> {
    await this.check();
    const loop = () => {
      if (this.stopped) return;
      this.timer = setTimeout(() => void this.check().finally(loop), this.opts.intervalMs);
      this.timer.unref();
    };
    loop();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** One observation of primary and replica; updates mode and lease. Never throws. */
  async check(): Promise<void> {
    const startedAt = performance.now();
    const timeout = this.opts.checkTimeoutMs;
    const s = this.status_;
    s.checks++;
    let primaryLsn: bigint;
    try {
      const { rows } = await this.opts.admin.query<{ lsn: string; streaming: boolean }>(
        bounded(
          `SELECT pg_current_wal_lsn()::text AS lsn,
                  EXISTS (SELECT 1 FROM pg_stat_replication
                           WHERE application_name = $1 AND state = 'streaming' AND sync_state = 'sync') AS streaming`,
          [this.opts.standbyName],
          timeout,
        ),
      );
      primaryLsn = parseLsn(rows[0]!.lsn);
      s.primaryReachable = true;
      s.standbyStreaming = rows[0]!.streaming;
    } catch {
      // Without the primary we cannot vouch for the replica; reads fall back to it only when the primary fails.
      s.primaryReachable = false;
      return;
    }
    if (!s.standbyStreaming) this.setMode('local');
    let caughtUp = false;
    try {
      const { rows } = await this.opts.replica.query<{ lsn: string | null }>(
        bounded('SELECT pg_last_wal_replay_lsn()::text AS lsn', [], timeout),
      );
      s.replicaReachable = true;
      const replay = rows[0]?.lsn ? parseLsn(rows[0].lsn) : -1n;
      s.lagBytes = replay < 0n ? null : Number(primaryLsn > replay ? primaryLsn - replay : 0n);
      caughtUp = s.standbyStreaming && replay >= primaryLsn;
    } catch {
      s.replicaReachable = false;
      s.lagBytes = null;
    }
    if (caughtUp) {
      this.leaseUntil = startedAt + this.opts.leaseMs;
      // Back to waiting for the standby only once it has caught up: a streaming but stalled standby (replay
      // paused, disk slow) would otherwise make every commit wait out the deadline again.
      this.setMode('sync');
    }
  }

  /** A commit's standby wait passed its deadline: stop waiting for the standby until it proves healthy again. */
  noteSyncWaitCancelled(): void {
    this.status_.syncWaitsCancelled++;
    this.setMode('local');
  }

  /**
   * Cancels the standby waits of the given backends, only where they are waiting for synchronous replication, so
   * a statement of a reused connection is never hit. Those transactions are then already committed locally.
   */
  async cancelSyncWaits(pids: number[]): Promise<number> {
    const { rows } = await this.opts.admin.query<{ n: number }>(
      bounded(
        `SELECT count(*) FILTER (WHERE pg_cancel_backend(pid))::int AS n
           FROM pg_stat_activity WHERE pid = ANY($1::int[]) AND wait_event = 'SyncRep'`,
        [pids],
        this.opts.checkTimeoutMs,
      ),
    );
    return rows[0]?.n ?? 0;
  }

  /** Holds a write not confirmed by the standby until every read lease granted before its commit has expired. */
  async waitOutLeases(committedAt: number): Promise<void> {
    const remaining = committedAt + this.opts.leaseMs - performance.now();
    if (remaining > 0) await delay(remaining);
  }

  private setMode(mode: WriteMode): void {
    if (mode !== this.mode_)
      this.opts.log.warn({ from: this.mode_, to: mode }, 'replication write mode changed');
    this.mode_ = mode;
  }
}
