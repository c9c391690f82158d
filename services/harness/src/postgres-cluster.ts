// A real PostgreSQL primary plus a synchronous streaming replica in a temp dir, for tests and local runs.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { QueryResultRow } from 'pg';
import { onProcessExit } from './exit-cleanup';
import { cloneReplica, createDatabases, initPrimary, type DatabaseSpec } from './pg-bootstrap';
import { queryRows, type PgLogin } from './pg-query';
import { PgServer } from './pg-server';
import { PgTools } from './pg-tools';
import { freePort } from './ports';
import { ReplicationWatch } from './replication-watch';
import { describeError } from './wait-for';

export type { DatabaseSpec } from './pg-bootstrap';

export type ServerRole = 'primary' | 'replica';

export interface PostgresClusterOptions {
  /** Roles (LOGIN, with password) and databases they own, created before the replica is cloned. */
  databases?: DatabaseSpec[];
  /** application_name the replica connects with, and the name in synchronous_standby_names. */
  standbyName?: string;
  /** fsync on the servers (default true); off makes tests faster on slow disks. */
  fsync?: boolean;
  /** Parent of the temp dir (default os.tmpdir()); must be traversable by the `postgres` user when root. */
  baseDir?: string;
  superuserPassword?: string;
  /** Deadline for each wait during start (default 60 s). */
  timeoutMs?: number;
}

const SUPERUSER = 'postgres';

export class PostgresCluster {
  readonly host = '127.0.0.1';
  /**
   * Also the replication user (superusers have REPLICATION): one credential to manage in a
   * throwaway cluster. A deployment would give replication a role of its own.
   */
  readonly superuser = SUPERUSER;
  private stopping: Promise<void> | undefined;
  private readonly forgetExitHook: () => void;
  private readonly watch: ReplicationWatch;

  private constructor(
    readonly dir: string,
    readonly standbyName: string,
    readonly superuserPassword: string,
    private readonly primary: PgServer,
    private readonly replica: PgServer,
  ) {
    this.watch = new ReplicationWatch((which, sql, params) => this.query(which, sql, params), standbyName);
    this.forgetExitHook = onProcessExit(() => this.abandon());
  }

  get primaryPort(): number {
    return this.primary.port;
  }

  get replicaPort(): number {
    return this.replica.port;
  }

  static async start(opts: PostgresClusterOptions = {}): Promise<PostgresCluster> {
    const dir = await mkdtemp(join(opts.baseDir ?? tmpdir(), 'bazar-pg-'));
    const tools = await PgTools.locate(dir).catch(async (err: unknown) => {
      await rm(dir, { recursive: true, force: true });
      throw err;
    });
    await tools.giveAway(dir);
    const server = async (label: string) =>
      new PgServer(label, join(dir, label), await freePort(), join(dir, `${label}.log`), dir, tools);
    const cluster = new PostgresCluster(
      dir,
      opts.standbyName ?? 'bazar_replica',
      opts.superuserPassword ?? randomBytes(12).toString('hex'),
      await server('primary'),
      await server('replica'),
    );
    try {
      await cluster.bootstrap(tools, opts.databases ?? [], opts.fsync ?? true, opts.timeoutMs ?? 60_000);
    } catch (err) {
      const logs = cluster.logs();
      await cluster.stop().catch(() => undefined);
      throw new Error(`PostgresCluster failed to start: ${describeError(err)}\n${logs}`, { cause: err });
    }
    return cluster;
  }

  /** A postgres:// URL for a client of the given server. */
  url(role: ServerRole, db: string, user: string, password: string): string {
    const port = role === 'primary' ? this.primaryPort : this.replicaPort;
    const auth = `${encodeURIComponent(user)}:${encodeURIComponent(password)}`;
    return `postgres://${auth}@${this.host}:${port}/${encodeURIComponent(db)}`;
  }

  /** Runs one statement as the superuser on a fresh connection and returns its rows. */
  query<R extends QueryResultRow = QueryResultRow>(
    which: ServerRole,
    sql: string,
    params: unknown[] = [],
    database = 'postgres',
  ): Promise<R[]> {
    return queryRows<R>(this.login(which, database), sql, params);
  }

  /** Kills the replica postmaster and waits until it is gone and the primary has noticed. */
  async killReplica(signal: NodeJS.Signals = 'SIGKILL', timeoutMs = 15_000): Promise<void> {
    await this.replica.kill(signal, timeoutMs);
    if (this.primary.isRunning()) await this.watch.notStreaming(timeoutMs);
  }

  /** That server's postmaster process id (undefined when it was never started). */
  pid(which: ServerRole): number | undefined {
    return (which === 'primary' ? this.primary : this.replica).postmasterPid();
  }

  /** True while that server's postmaster runs. */
  isRunning(which: ServerRole): boolean {
    return (which === 'primary' ? this.primary : this.replica).isRunning();
  }

  /** Starts the killed or stopped replica on its existing data directory. */
  startReplica(): Promise<void> {
    return this.replica.start();
  }

  /** Waits until the primary reports the replica as a streaming, synchronous standby. */
  waitReplicaStreaming(timeoutMs = 15_000): Promise<void> {
    return this.watch.streaming(timeoutMs);
  }

  /** Waits until the replica has replayed everything the primary had written when this was called. */
  waitReplicaCaughtUp(timeoutMs = 15_000): Promise<void> {
    return this.watch.caughtUp(timeoutMs);
  }

  /**
   * Kills the primary postmaster (SIGKILL: its backends end with "unexpected postmaster exit") and waits until it
   * and its backends are gone.
   */
  killPrimary(signal: NodeJS.Signals = 'SIGKILL', timeoutMs = 15_000): Promise<void> {
    return this.primary.kill(signal, timeoutMs);
  }

  stopPrimary(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    return this.primary.stop(mode);
  }

  startPrimary(): Promise<void> {
    return this.primary.start();
  }

  /** Stops both servers and removes the temp dir (kept when KEEP_PG_DIR is set). Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  /** The tail of both server logs, for a failing test's message. */
  logs(lines = 40): string {
    return `${this.primary.logTail(lines)}\n${this.replica.logTail(lines)}`;
  }

  private async bootstrap(tools: PgTools, databases: DatabaseSpec[], fsync: boolean, timeoutMs: number) {
    const { dir, standbyName, superuserPassword: password } = this;
    await initPrimary(tools, {
      dataDir: this.primary.dataDir,
      scratchDir: dir,
      superuser: SUPERUSER,
      password,
      port: this.primaryPort,
      socketDir: dir,
      standbyName,
      fsync,
    });
    await this.primary.start(Math.ceil(timeoutMs / 1000));
    await createDatabases(this.login('primary', 'postgres'), databases);
    await cloneReplica(tools, {
      dataDir: this.replica.dataDir,
      port: this.replicaPort,
      primaryPort: this.primaryPort,
      user: SUPERUSER,
      password,
      standbyName,
      fsync,
    });
    await this.replica.start(Math.ceil(timeoutMs / 1000));
    await this.watch.streaming(timeoutMs);
  }

  private login(which: ServerRole, database: string): PgLogin {
    const port = which === 'primary' ? this.primaryPort : this.replicaPort;
    return { host: this.host, port, user: SUPERUSER, password: this.superuserPassword, database };
  }

  /**
   * The host process is exiting without stop(): SIGQUIT (immediate shutdown) so no server outlives
   * it, and a best-effort removal so crashed runs do not pile up data directories in /tmp.
   */
  private abandon(): void {
    for (const server of [this.replica, this.primary]) {
      const pid = server.isRunning() ? server.postmasterPid() : undefined;
      if (pid !== undefined) process.kill(pid, 'SIGQUIT');
    }
    if (!process.env.KEEP_PG_DIR) rmSync(this.dir, { recursive: true, force: true, maxRetries: 3 });
  }

  private async shutdown(): Promise<void> {
    const failures: unknown[] = [];
    // Replica first, so it does not log a storm of reconnect attempts to a stopped primary.
    for (const server of [this.replica, this.primary]) {
      try {
        await server.stop('fast');
      } catch (err) {
        failures.push(err);
        await server.kill('SIGKILL', 10_000).catch((killErr: unknown) => failures.push(killErr));
      }
    }
    this.forgetExitHook();
    if (process.env.KEEP_PG_DIR) {
      process.stderr.write(`PostgresCluster: KEEP_PG_DIR is set, keeping ${this.dir}\n`);
    } else {
      await rm(this.dir, { recursive: true, force: true });
    }
    if (failures.length > 0) {
      throw new AggregateError(failures, 'PostgresCluster.stop: a server did not stop');
    }
  }
}
