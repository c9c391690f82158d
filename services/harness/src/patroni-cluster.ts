// PostgreSQL with automatic failover on loopback, run by an existing HA engine: Patroni (Debian's `patroni`), two
// members (a primary and a synchronous standby, the design card's pair), etcd (Debian's `etcd-server`) as Patroni's
// store, and HAProxy (Debian's `haproxy`) as the endpoint that always points at the primary (it asks each
// member's Patroni REST API, GET /primary). The same shape as Patroni pods behind a Service on Kubernetes.
//
// Patroni runs in synchronous mode: it names the synchronous standby in synchronous_standby_names and in its store,
// and only a standby named in the store may be promoted. When the standby fails, Patroni removes it from the store
// first and from synchronous_standby_names second, so commits are acknowledged without it only once it can no
// longer be promoted; it becomes synchronous (and promotable) again only once it streams again.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { QueryResultRow } from 'pg';
import { Daemon } from './daemon';
import { onProcessExit } from './exit-cleanup';
import { createDatabases, type DatabaseSpec } from './pg-bootstrap';
import { queryRows, type PgLogin } from './pg-query';
import { PgTools } from './pg-tools';
import { freePort } from './ports';
import { childPids, isProcessGone } from './process-table';
import { describeError, waitFor } from './wait-for';

export interface PatroniClusterOptions {
  /** Roles (LOGIN, with password, pg_monitor) and databases they own. */
  databases?: DatabaseSpec[];
  /** Parent of the temp dir (default os.tmpdir()); must be traversable by the `postgres` user when root. */
  baseDir?: string;
  /** Deadline for each wait during start (default 90 s). */
  timeoutMs?: number;
  /** Write each daemon's log here (default: inside the temp dir, removed with it). */
  logDir?: string;
}

/** A member as Patroni's GET /cluster reports it. */
export interface MemberState {
  name: string;
  role: 'leader' | 'sync_standby' | 'replica' | string;
  state: string;
  timeline?: number;
  lag?: number | string;
}

/**
 * The HA engine's timing. loop_wait 1 s: Patroni looks at its Postgres every second. primary_start_timeout 0: a
 * primary whose Postgres crashed fails over at once instead of being restarted in place (a promotion is faster
 * than crash recovery, and the standby is known to hold every acknowledged commit). ttl 10 s: a member whose
 * Patroni is gone altogether (the node died) loses the leader key after 10 s.
 */
const DCS = {
  ttl: 10,
  loop_wait: 1,
  retry_timeout: 3,
  primary_start_timeout: 0,
  synchronous_mode: true,
  maximum_lag_on_failover: 1_048_576,
  postgresql: {
    use_pg_rewind: true,
    use_slots: true,
    parameters: {
      max_connections: 200,
      wal_log_hints: 'on',
      max_wal_senders: 10,
      max_replication_slots: 10,
      hot_standby: 'on',
      wal_keep_size: '128MB',
      log_line_prefix: '%m [%p] %q%a ',
    },
  },
};

const SUPERUSER = 'postgres';

class Member {
  readonly daemon: Daemon;

  constructor(
    readonly name: string,
    readonly pgPort: number,
    readonly restPort: number,
    readonly dataDir: string,
    readonly configFile: string,
    logFile: string,
    cwd: string,
    tools: PgTools,
  ) {
    this.daemon = new Daemon({
      label: name,
      command: process.env.PATRONI ?? 'patroni',
      args: [configFile],
      logFile,
      cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cwd, LC_ALL: 'C.UTF-8' },
      runAs: tools.runAs,
    });
  }

  postmasterPid(): number | undefined {
    const file = join(this.dataDir, 'postmaster.pid');
    if (!existsSync(file)) return undefined;
    const pid = Number(readFileSync(file, 'utf8').split('\n', 1)[0]);
    return Number.isInteger(pid) && pid > 0 && !isProcessGone(pid) ? pid : undefined;
  }

  /** SIGKILLs the postmaster and waits until it and its backends are gone. */
  async killPostgres(timeoutMs: number): Promise<void> {
    const pid = this.postmasterPid();
    if (pid === undefined) return;
    const family = [pid, ...childPids(pid)];
    process.kill(pid, 'SIGKILL');
    await waitFor(
      `${this.name}'s postmaster ${pid} and its backends to exit`,
      async () => family.every(isProcessGone),
      {
        timeoutMs,
      },
    );
  }
}

export class PatroniCluster {
  readonly host = '127.0.0.1';
  readonly superuser = SUPERUSER;
  private stopping: Promise<void> | undefined;
  private readonly forgetExitHook: () => void;

  private constructor(
    readonly dir: string,
    readonly superuserPassword: string,
    private readonly etcd: Daemon,
    private readonly haproxy: Daemon,
    private readonly members: Member[],
    /** HAProxy's port that always leads to the primary. */
    readonly primaryPort: number,
  ) {
    this.forgetExitHook = onProcessExit(() => this.abandon());
  }

  get memberNames(): string[] {
    return this.members.map((m) => m.name);
  }

  static async start(opts: PatroniClusterOptions = {}): Promise<PatroniCluster> {
    const dir = await mkdtemp(join(opts.baseDir ?? tmpdir(), 'bazar-patroni-'));
    const logDir = opts.logDir ?? dir;
    const timeoutMs = opts.timeoutMs ?? 90_000;
    const tools = await PgTools.locate(dir).catch(async (err: unknown) => {
      await rm(dir, { recursive: true, force: true });
      throw err;
    });
    await tools.giveAway(dir);
    const password = randomBytes(12).toString('hex');
    const [etcdClient, etcdPeer, primaryPort] = [await freePort(), await freePort(), await freePort()];
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir };
    const etcd = new Daemon({
      label: 'etcd',
      command: process.env.ETCD ?? 'etcd',
      args: [
        ...['--name', 'etcd', '--data-dir', join(dir, 'etcd')],
        ...['--listen-client-urls', `http://127.0.0.1:${etcdClient}`],
        ...['--advertise-client-urls', `http://127.0.0.1:${etcdClient}`],
        ...['--listen-peer-urls', `http://127.0.0.1:${etcdPeer}`],
        ...['--initial-advertise-peer-urls', `http://127.0.0.1:${etcdPeer}`],
        ...['--initial-cluster', `etcd=http://127.0.0.1:${etcdPeer}`, '--log-level', 'warn'],
      ],
      logFile: join(logDir, 'etcd.log'),
      cwd: dir,
      env,
      runAs: tools.runAs,
    });
    const restPassword = randomBytes(12).toString('hex');
    const members: Member[] = [];
    for (const name of ['pg-0', 'pg-1']) {
      const [pgPort, restPort] = [await freePort(), await freePort()];
      const configFile = join(dir, `${name}.yml`);
      // JSON is YAML: Patroni reads this as its configuration file.
      const config = {
        scope: 'bazar',
        name,
        log: { level: 'INFO' },
        restapi: {
          listen: `127.0.0.1:${restPort}`,
          connect_address: `127.0.0.1:${restPort}`,
          authentication: { username: 'patroni', password: restPassword },
        },
        etcd3: { hosts: `127.0.0.1:${etcdClient}` },
        bootstrap: {
          dcs: DCS,
          initdb: [{ encoding: 'UTF8' }, { locale: 'C' }, { 'auth-host': 'scram-sha-256' }],
          pg_hba: [
            'local all all trust',
            'host replication all 127.0.0.1/32 scram-sha-256',
            'host all all 127.0.0.1/32 scram-sha-256',
          ],
        },
        postgresql: {
          listen: `127.0.0.1:${pgPort}`,
          connect_address: `127.0.0.1:${pgPort}`,
          data_dir: join(dir, name),
          bin_dir: tools.bindir,
          pgpass: join(dir, `${name}.pgpass`),
          // Clones start at once (an immediate checkpoint on the leader), as in the chart.
          basebackup: [{ checkpoint: 'fast' }],
          authentication: {
            superuser: { username: SUPERUSER, password },
            replication: { username: 'replicator', password },
            rewind: { username: 'rewinder', password },
          },
          parameters: { unix_socket_directories: dir },
        },
      };
      await writeFile(configFile, JSON.stringify(config, null, 2), { mode: 0o600 });
      await tools.giveAway(configFile);
      const logFile = join(logDir, `${name}.log`);
      members.push(new Member(name, pgPort, restPort, join(dir, name), configFile, logFile, dir, tools));
    }
    const haproxyConfig = join(dir, 'haproxy.cfg');
    await writeFile(haproxyConfig, haproxyConf(primaryPort, members), { mode: 0o600 });
    await tools.giveAway(haproxyConfig);
    const haproxy = new Daemon({
      label: 'haproxy',
      command: process.env.HAPROXY ?? 'haproxy',
      args: ['-db', '-f', haproxyConfig],
      logFile: join(logDir, 'haproxy.log'),
      cwd: dir,
      env,
      runAs: tools.runAs,
    });
    const cluster = new PatroniCluster(dir, password, etcd, haproxy, members, primaryPort);
    try {
      await mkdir(logDir, { recursive: true });
      await etcd.start();
      await waitFor('etcd to answer', () => httpOk(`http://127.0.0.1:${etcdClient}/health`), { timeoutMs });
      await haproxy.start();
      // Both at once, as pods would: one wins the initialize key and runs initdb, the other clones it.
      await Promise.all(members.map((m) => m.daemon.start()));
      await cluster.waitHealthy(timeoutMs);
      await createDatabases(cluster.login('postgres'), opts.databases ?? []);
    } catch (err) {
      const logs = cluster.logs();
      await cluster.stop().catch(() => undefined);
      throw new Error(`PatroniCluster failed to start: ${describeError(err)}\n${logs}`, { cause: err });
    }
    return cluster;
  }

  /** A postgres:// URL through HAProxy: always the primary, whichever member that is. */
  url(db: string, user: string, password: string): string {
    const auth = `${encodeURIComponent(user)}:${encodeURIComponent(password)}`;
    return `postgres://${auth}@${this.host}:${this.primaryPort}/${encodeURIComponent(db)}`;
  }

  /** A postgres:// URL of one member directly (for a test that checks what a member holds). */
  memberUrl(name: string, db: string, user: string, password: string): string {
    const auth = `${encodeURIComponent(user)}:${encodeURIComponent(password)}`;
    return `postgres://${auth}@${this.host}:${this.member(name).pgPort}/${encodeURIComponent(db)}`;
  }

  /** Runs one statement as the superuser on the primary (through HAProxy), on a fresh connection. */
  query<R extends QueryResultRow = QueryResultRow>(
    sql: string,
    params: unknown[] = [],
    database = 'postgres',
  ) {
    return queryRows<R>(this.login(database), sql, params);
  }

  /** Runs one statement as the superuser on one member directly. */
  queryMember<R extends QueryResultRow = QueryResultRow>(
    name: string,
    sql: string,
    params: unknown[] = [],
    database = 'postgres',
  ) {
    return queryRows<R>({ ...this.login(database), port: this.member(name).pgPort }, sql, params);
  }

  /** The members as Patroni reports them (asked of any member whose REST API answers). */
  async state(): Promise<MemberState[]> {
    let lastError: unknown;
    for (const m of this.members) {
      try {
        const res = await fetch(`http://127.0.0.1:${m.restPort}/cluster`, {
          signal: AbortSignal.timeout(1000),
        });
        if (res.ok) return ((await res.json()) as { members: MemberState[] }).members;
      } catch (err) {
        lastError = err;
      }
    }
    throw new Error(`no Patroni REST API answers: ${describeError(lastError)}`);
  }

  /** The running leader's name, if there is one. */
  async leader(): Promise<string | undefined> {
    return (await this.state()).find((m) => m.role === 'leader' && m.state === 'running')?.name;
  }

  /** The synchronous standby's name, if Patroni names one. */
  async syncStandby(): Promise<string | undefined> {
    return (await this.state()).find((m) => m.role === 'sync_standby')?.name;
  }

  /**
   * Waits until a leader runs, a synchronous standby streams with no lag, and HAProxy leads to the leader; returns
   * the leader's name.
   */
  async waitHealthy(timeoutMs = 60_000): Promise<string> {
    return waitFor(
      'a Patroni leader with a streaming synchronous standby, reachable through HAProxy',
      async () => {
        const members = await this.state();
        const leader = members.find((m) => m.role === 'leader' && m.state === 'running');
        const standby = members.find((m) => m.role === 'sync_standby');
        if (!leader || !standby || !['running', 'streaming'].includes(standby.state)) return false;
        if (Number(standby.lag ?? 0) !== 0) return false;
        const [row] = await this.query<{ port: string }>("SELECT current_setting('port') AS port");
        return Number(row?.port) === this.member(leader.name).pgPort ? leader.name : false;
      },
      { timeoutMs, intervalMs: 100 },
    );
  }

  /** Waits until a member other than `previous` is the running leader and HAProxy leads to it. */
  async waitLeaderOtherThan(previous: string, timeoutMs = 60_000): Promise<{ leader: string; ms: number }> {
    const started = performance.now();
    const leader = await waitFor(
      `a leader other than ${previous}, reachable through HAProxy`,
      async () => {
        const name = await this.leader();
        if (!name || name === previous) return false;
        const [row] = await this.query<{ port: string }>("SELECT current_setting('port') AS port");
        return Number(row?.port) === this.member(name).pgPort ? name : false;
      },
      { timeoutMs, intervalMs: 50 },
    );
    return { leader, ms: performance.now() - started };
  }

  /** SIGKILLs the Postgres of a member (its Patroni lives on and reacts); waits until its processes are gone. */
  killPostgres(name: string, timeoutMs = 15_000): Promise<void> {
    return this.member(name).killPostgres(timeoutMs);
  }

  /** A member's whole node dies: SIGKILL to its Patroni, then to its Postgres. Nothing of it remains running. */
  async killMember(name: string, timeoutMs = 15_000): Promise<void> {
    const m = this.member(name);
    await m.daemon.stop('SIGKILL');
    await m.killPostgres(timeoutMs);
  }

  /**
   * Freezes (SIGSTOP) a standby's WAL receiver: it stays connected, so the primary and Patroni still see a streaming
   * synchronous standby, but it confirms nothing more. Returns the function that thaws it (SIGCONT).
   */
  async freezeWalReceiver(name: string, timeoutMs = 15_000): Promise<() => void> {
    const m = this.member(name);
    const pid = await waitFor(
      `${name}'s walreceiver process`,
      async () => {
        const postmaster = m.postmasterPid();
        return postmaster === undefined ? undefined : childPids(postmaster).find(isWalReceiver);
      },
      { timeoutMs },
    );
    process.kill(pid, 'SIGSTOP');
    return () => {
      if (!isProcessGone(pid)) process.kill(pid, 'SIGCONT');
    };
  }

  /** Starts a member's Patroni again (after killMember); it rejoins on its own. */
  startMember(name: string): Promise<void> {
    return this.member(name).daemon.start();
  }

  /** Stops everything and removes the temp dir (kept when KEEP_PG_DIR is set). Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  /** Everything a member's Patroni has logged so far (a test waits for a decision it logs). */
  memberLog(name: string): string {
    return this.member(name).daemon.logText();
  }

  logs(lines = 30): string {
    return [this.etcd, this.haproxy, ...this.members.map((m) => m.daemon)]
      .map((d) => d.logTail(lines))
      .join('\n');
  }

  private member(name: string): Member {
    const m = this.members.find((x) => x.name === name);
    if (!m) throw new Error(`no member ${name} (members: ${this.memberNames.join(', ')})`);
    return m;
  }

  private login(database: string): PgLogin {
    return {
      host: this.host,
      port: this.primaryPort,
      user: SUPERUSER,
      password: this.superuserPassword,
      database,
    };
  }

  private abandon(): void {
    for (const m of this.members) {
      const pid = m.postmasterPid();
      if (pid !== undefined) process.kill(pid, 'SIGQUIT');
    }
    if (!process.env.KEEP_PG_DIR) rmSync(this.dir, { recursive: true, force: true, maxRetries: 3 });
  }

  private async shutdown(): Promise<void> {
    // Patroni stops its Postgres (fast shutdown) on SIGTERM; the standby first, so the primary's stop is quiet.
    for (const m of [...this.members].reverse()) {
      await m.daemon.stop('SIGTERM', 30_000);
      await m.killPostgres(10_000).catch(() => undefined);
    }
    await this.haproxy.stop();
    await this.etcd.stop();
    this.forgetExitHook();
    if (process.env.KEEP_PG_DIR)
      process.stderr.write(`PatroniCluster: KEEP_PG_DIR is set, keeping ${this.dir}\n`);
    else await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * HAProxy in TCP mode: one frontend port, the member whose Patroni answers GET /primary with 200 behind it. Checked
 * every 250 ms; a member marked down has its sessions shut, so no client keeps talking to a demoted primary.
 */
function haproxyConf(port: number, members: Member[]): string {
  return [
    'global',
    '  maxconn 2000',
    'defaults',
    '  mode tcp',
    '  timeout connect 1s',
    '  timeout client 1h',
    '  timeout server 1h',
    '  timeout check 1s',
    'listen primary',
    `  bind 127.0.0.1:${port}`,
    '  option httpchk GET /primary',
    '  http-check expect status 200',
    '  default-server inter 250ms fastinter 250ms downinter 250ms fall 1 rise 1 on-marked-down shutdown-sessions',
    ...members.map((m) => `  server ${m.name} 127.0.0.1:${m.pgPort} check port ${m.restPort}`),
    '',
  ].join('\n');
}

function isWalReceiver(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('walreceiver');
  } catch {
    return false;
  }
}

async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
  return res.ok;
}
