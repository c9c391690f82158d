// Runs the scripts the Helm chart's pods run (charts/bazar/files/*.sh) on this machine, with the pod's environment
// given as variables: against this machine's PostgreSQL 15 binaries for the Postgres primary setup and the replica
// bootstrap, and against a running topology for the `helm test` checks. What Kubernetes adds (scheduling, volumes,
// Services' DNS) cannot run here; what the scripts do can, and is checked here.
import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from 'pg';
import { BazarTopology, callJson, freePort, waitFor } from '../src';
import { localServerArgs, renderedArgs, ScriptSandbox, type ScriptProcess } from './support/chart-scripts';

const STANDBY = 'bazar_replica';
const secrets = {
  POSTGRES_PASSWORD: 'superuser-password-0123',
  CATALOG_DB_PASSWORD: 'catalog-password-0123',
  ORDERS_DB_PASSWORD: 'orders-password-0123',
  REPLICATION_PASSWORD: 'replication-password-0123',
};

/** One statement on a fresh connection; host 127.0.0.1 (TCP, password) unless a socket directory is given. */
async function query<T>(
  port: number,
  user: string,
  password: string,
  database: string,
  sql: string,
  host = '127.0.0.1',
): Promise<T[]> {
  const client = new Client({ host, port, user, password, database, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('chart scripts (charts/bazar/files)', function () {
  this.timeout(120_000);
  let sandbox: ScriptSandbox;
  let socketDir: string;
  let primaryPort: number;
  let primary: ScriptProcess | undefined;
  let replica: ScriptProcess | undefined;
  let primaryData: string;
  let replicaData: string;

  // The pod's environment for the primary (templates/postgresql/postgresql-primary-statefulset.yaml), on loopback.
  const primaryEnv = () => ({
    ...secrets,
    PGDATA: primaryData,
    POSTGRES_USER: 'postgres',
    REPLICATION_USER: 'replicator',
    REPLICATION_SLOT: STANDBY,
    ALLOWED_CIDRS: '127.0.0.1/32',
  });
  // The replica's (templates/postgresql/postgresql-replica-statefulset.yaml); PRIMARY_HOST is the primary Service there.
  const replicaEnv = (port = primaryPort) => ({
    PGDATA: replicaData,
    PRIMARY_HOST: '127.0.0.1',
    PRIMARY_PORT: String(port),
    REPLICATION_USER: 'replicator',
    REPLICATION_PASSWORD: secrets.REPLICATION_PASSWORD,
    STANDBY_NAME: STANDBY,
    REPLICATION_SLOT: STANDBY,
    PRIMARY_WAIT_SECONDS: '30',
  });
  // The superuser may log in only through the server's Unix socket (pg_hba.conf), as in the pod.
  const superuser = (sql: string) =>
    query(primaryPort, 'postgres', secrets.POSTGRES_PASSWORD, 'postgres', sql, socketDir);

  before(async () => {
    sandbox = await ScriptSandbox.create();
    socketDir = await sandbox.subdir('run');
    primaryData = join(await sandbox.subdir('primary'), 'pgdata');
    replicaData = join(await sandbox.subdir('replica'), 'pgdata');
    primaryPort = await freePort();
  });

  afterEach(function () {
    if (this.currentTest?.state !== 'failed') return;
    for (const proc of [primary, replica]) if (proc) console.error(`--- ${proc.script} ---\n${proc.output}`);
  });

  after(async () => {
    await replica?.stop();
    await primary?.stop();
    if (sandbox && !process.env.KEEP_PG_DIR) await rm(sandbox.dir, { recursive: true, force: true });
  });

  describe('postgres-primary.sh', () => {
    const socketEnv = () => ({ PGHOST: socketDir, PGPORT: String(primaryPort) });
    /** The container's command: `postgres-primary.sh start postgres <the chart's arguments>`. */
    const startPrimary = () =>
      sandbox.start('postgres-primary.sh', {
        env: { ...primaryEnv(), ...socketEnv() },
        args: [
          'start',
          join(sandbox.tools.bindir, 'postgres'),
          ...localServerArgs(renderedArgs('StatefulSet', 'bazar-postgresql-primary'), primaryPort, socketDir),
        ],
        asPostgres: true,
      });

    it('a first start initialises: the service roles with pg_monitor, their databases, the replication role and slot; superuser only on the socket', async () => {
      // On an empty data dir: initdb, the init step on a temporary socket-only server, then the server itself with
      // the chart's arguments (synchronous_standby_names included). No image entrypoint is involved.
      const chartArgs = renderedArgs('StatefulSet', 'bazar-postgresql-primary');
      assert.ok(chartArgs.includes(`synchronous_standby_names=${STANDBY}`), chartArgs.join(' '));
      primary = startPrimary();
      await primary.waitForOutput(/pg_hba\.conf allows 127\.0\.0\.1\/32/, 60_000);
      await waitFor('the primary to accept connections', () => superuser('SELECT 1'), { timeoutMs: 60_000 });
      // The init step alone, again, against the running server: safe to repeat.
      const again = await sandbox.run('postgres-primary.sh', {
        env: { ...primaryEnv(), ...socketEnv() },
        asPostgres: true,
      });
      assert.equal(again.code, 0, again.output);

      const roles = await superuser(
        `SELECT rolname, rolreplication, pg_has_role(rolname, 'pg_monitor', 'MEMBER') AS monitor
           FROM pg_roles WHERE rolname IN ('catalog', 'orders', 'replicator') ORDER BY rolname`,
      );
      assert.deepEqual(roles, [
        { rolname: 'catalog', rolreplication: false, monitor: true },
        { rolname: 'orders', rolreplication: false, monitor: true },
        { rolname: 'replicator', rolreplication: true, monitor: false },
      ]);
      const dbs = await superuser(
        `SELECT datname, pg_get_userbyid(datdba) AS owner FROM pg_database
          WHERE datname IN ('catalog', 'orders') ORDER BY datname`,
      );
      assert.deepEqual(dbs, [
        { datname: 'catalog', owner: 'catalog' },
        { datname: 'orders', owner: 'orders' },
      ]);
      assert.deepEqual(await superuser('SELECT slot_name, slot_type FROM pg_replication_slots'), [
        { slot_name: STANDBY, slot_type: 'physical' },
      ]);
      assert.deepEqual(await superuser('SHOW synchronous_standby_names'), [
        { synchronous_standby_names: STANDBY },
      ]);
      await assert.rejects(
        query(primaryPort, 'postgres', secrets.POSTGRES_PASSWORD, 'postgres', 'SELECT 1'),
        {
          message: /no pg_hba\.conf entry/,
        },
      );
    });

    it('lets each service log in to its own database only, with its password over TCP', async () => {
      await query(primaryPort, 'catalog', secrets.CATALOG_DB_PASSWORD, 'catalog', 'SELECT 1');
      await query(primaryPort, 'orders', secrets.ORDERS_DB_PASSWORD, 'orders', 'SELECT 1');
      await assert.rejects(query(primaryPort, 'catalog', 'wrong-password', 'catalog', 'SELECT 1'), {
        message: /password authentication failed/,
      });
      await assert.rejects(query(primaryPort, 'catalog', secrets.CATALOG_DB_PASSWORD, 'orders', 'SELECT 1'), {
        message: /no pg_hba\.conf entry/,
      });
    });

    it('a later start keeps the data (no second initdb) and rewrites pg_hba.conf', async () => {
      await primary!.stop();
      primary = startPrimary();
      await primary.waitForOutput(/pg_hba\.conf allows 127\.0\.0\.1\/32/, 60_000);
      await waitFor('the primary to accept connections again', () => superuser('SELECT 1'), {
        timeoutMs: 60_000,
      });
      assert.doesNotMatch(primary.output, /initdb|creating directory/i, 'the data directory was kept');
      assert.deepEqual(await superuser("SELECT count(*)::int AS n FROM pg_roles WHERE rolname = 'catalog'"), [
        { n: 1 },
      ]);
    });

    it('refuses to start with an ALLOWED_CIDRS entry that is not a network', async () => {
      const result = await sandbox.run('postgres-primary.sh', {
        env: { ...primaryEnv(), ALLOWED_CIDRS: '10.0.0.0/8 everyone' },
        args: ['start', 'true'],
        asPostgres: true,
      });
      assert.notEqual(result.code, 0);
      assert.match(result.output, /'everyone' is not a network/);
      // The failed attempt left the running primary's pg_hba.conf in place.
      await query(primaryPort, 'catalog', secrets.CATALOG_DB_PASSWORD, 'catalog', 'SELECT 1');
    });
  });

  describe('postgres-replica.sh', () => {
    let replicaPort: number;
    const replicaArgs = () =>
      localServerArgs(renderedArgs('StatefulSet', 'bazar-postgresql-replica'), replicaPort, socketDir);
    const standbyRows = () =>
      superuser(`SELECT application_name, state, sync_state FROM pg_stat_replication`) as Promise<
        { application_name: string; state: string; sync_state: string }[]
      >;
    const waitStreamingSync = () =>
      waitFor(
        'the primary to list the replica as a streaming synchronous standby',
        async () => {
          const rows = await standbyRows();
          return rows.some(
            (r) => r.application_name === STANDBY && r.state === 'streaming' && r.sync_state === 'sync',
          );
        },
        { timeoutMs: 30_000 },
      );

    before(async () => {
      replicaPort = await freePort();
    });

    it('gives up with an error when the primary never answers', async () => {
      const closed = await freePort();
      const result = await sandbox.run('postgres-replica.sh', {
        env: { ...replicaEnv(closed), PRIMARY_WAIT_SECONDS: '1' },
        args: replicaArgs(),
        asPostgres: true,
      });
      assert.equal(result.code, 1, result.output);
      assert.match(result.output, /did not accept connections within 1s/);
    });

    it('clones an empty data directory with pg_basebackup -R and streams as the synchronous standby', async () => {
      replica = sandbox.start('postgres-replica.sh', {
        env: replicaEnv(),
        args: replicaArgs(),
        asPostgres: true,
      });
      await replica.waitForOutput(/cloned/, 60_000);
      await waitStreamingSync();
      assert.deepEqual(await superuser(`SELECT slot_name, active FROM pg_replication_slots`), [
        { slot_name: STANDBY, active: true },
      ]);

      // A commit that waits for the standby to apply it is visible there right after.
      const catalog = (port: number, sql: string) =>
        query<Record<string, unknown>>(port, 'catalog', secrets.CATALOG_DB_PASSWORD, 'catalog', sql);
      await catalog(primaryPort, 'CREATE TABLE probe (id int PRIMARY KEY)');
      await catalog(primaryPort, 'SET synchronous_commit = remote_apply; INSERT INTO probe VALUES (1)');
      assert.deepEqual(await catalog(replicaPort, 'SELECT id FROM probe'), [{ id: 1 }]);
      assert.deepEqual(await catalog(replicaPort, 'SELECT pg_is_in_recovery() AS standby'), [
        { standby: true },
      ]);
    });

    it('starts an already cloned replica without cloning again, and it catches up', async () => {
      await replica?.stop();
      await waitFor(
        'the primary to notice the replica is gone',
        async () => (await standbyRows()).length === 0,
        {
          timeoutMs: 15_000,
        },
      );
      // Written while the replica is down: the slot keeps the WAL for it.
      await query(
        primaryPort,
        'catalog',
        secrets.CATALOG_DB_PASSWORD,
        'catalog',
        'SET synchronous_commit = local; INSERT INTO probe VALUES (2)',
      );

      replica = sandbox.start('postgres-replica.sh', {
        env: replicaEnv(),
        args: replicaArgs(),
        asPostgres: true,
      });
      await replica.waitForOutput(/already cloned: starting/, 10_000);
      await waitStreamingSync();
      assert.doesNotMatch(replica.output, /cloning/);
      await waitFor(
        'the replica to replay the row written while it was down',
        async () =>
          (
            await query(
              replicaPort,
              'catalog',
              secrets.CATALOG_DB_PASSWORD,
              'catalog',
              'SELECT id FROM probe WHERE id = 2',
            )
          ).length === 1,
        { timeoutMs: 15_000 },
      );
    });
    it('creates its replication slot itself when the primary has none (a replica added after install)', async () => {
      const dataDir = join(await sandbox.subdir('late-replica'), 'pgdata');
      const port = await freePort();
      const late = sandbox.start('postgres-replica.sh', {
        env: {
          ...replicaEnv(),
          PGDATA: dataDir,
          STANDBY_NAME: 'late_replica',
          REPLICATION_SLOT: 'late_replica',
        },
        args: localServerArgs(renderedArgs('StatefulSet', 'bazar-postgresql-replica'), port, socketDir),
        asPostgres: true,
      });
      try {
        await late.waitForOutput(/cloned/, 60_000);
        await waitFor(
          'the late replica to stream through its own slot',
          async () =>
            (
              await superuser(
                `SELECT 1 FROM pg_replication_slots WHERE slot_name = 'late_replica' AND active`,
              )
            ).length === 1,
          { timeoutMs: 30_000 },
        );
      } finally {
        await late.stop();
      }
      await superuser(`SELECT pg_drop_replication_slot('late_replica')`);
    });
  });

  describe('wait-for.sh', () => {
    let server: Server | undefined;
    afterEach(() => server?.close());

    it('times out with status 1 and names what is still down', async () => {
      const port = await freePort();
      const result = await sandbox.run('wait-for.sh', {
        env: { WAIT_FOR: `tcp://127.0.0.1:${port} http://127.0.0.1:${port}/readyz`, WAIT_TIMEOUT: '1' },
      });
      assert.equal(result.code, 1, result.output);
      assert.match(
        result.output,
        new RegExp(`still down: tcp://127.0.0.1:${port} http://127.0.0.1:${port}/readyz`),
      );
    });

    it('waits until every target answers, then succeeds', async () => {
      // An HTTP dependency that is up but not ready (503) until we say so; Postgres is the primary from above.
      let ready = false;
      server = createServer((_req, res) => res.writeHead(ready ? 200 : 503).end());
      const port = await freePort();
      await new Promise<void>((resolveListen) => server?.listen(port, '127.0.0.1', resolveListen));
      const waiting = sandbox.start('wait-for.sh', {
        env: {
          WAIT_FOR: `postgres://127.0.0.1:${primaryPort} http://127.0.0.1:${port}/readyz tcp://127.0.0.1:${port}`,
          WAIT_TIMEOUT: '30',
        },
      });
      await waiting.waitForOutput(/waiting for: http:\/\/127\.0\.0\.1:\d+\/readyz/, 10_000);
      assert.ok(waiting.running, 'wait-for.sh should still be waiting while the dependency answers 503');
      ready = true;
      const result = await waiting.exited;
      assert.equal(result.code, 0, result.output);
      assert.match(result.output, /all up/);
    });

    it('refuses a target it cannot check', async () => {
      const result = await sandbox.run('wait-for.sh', { env: { WAIT_FOR: 'ftp://127.0.0.1:21' } });
      assert.equal(result.code, 2, result.output);
    });
  });

  describe('helm-test.mjs', () => {
    const helmTest = (env: Record<string, string>) =>
      sandbox.run('helm-test.mjs', { env: { READS: '6', ...env } });

    it('passes against a healthy Bazar: read-after-write and invalidation on every frontend pod', async () => {
      const topo = await BazarTopology.start({ frontends: 2 });
      try {
        const [a, b] = topo.frontends;
        const result = await helmTest({
          BAZAR_URL: a?.url ?? '',
          BAZAR_READ_URLS: `${a?.url} ${b?.url}`,
          ADMIN_TOKEN: topo.adminToken,
        });
        assert.equal(result.code, 0, result.output);
        assert.match(result.output, /ok {3}read-after-purchase: 12 reads through 2 URL\(s\)/);
        assert.match(result.output, /ok {3}the repeated purchase returned the same order/);
        assert.match(result.output, /ok {3}read-after-update/);
        assert.match(result.output, /all checks passed/);
      } finally {
        await topo.stop();
      }
    });

    it('fails when a frontend pod keeps serving its cached copy after a purchase (no invalidation)', async () => {
      // Frontend B acknowledges and ignores every push (a test gate): its cache keeps the old entry under a lease.
      const topo = await BazarTopology.start({ frontends: 2, frontendEnv: { TEST_HOOKS: 'true' } });
      try {
        const [a, b] = topo.frontends;
        const deaf = await callJson('POST', `${b!.url}/internal/test/deaf`, {
          token: topo.token,
          body: { hold: true },
        });
        assert.equal(deaf.status, 200);
        const result = await helmTest({ BAZAR_URL: a?.url ?? '', BAZAR_READ_URLS: `${a?.url} ${b?.url}` });
        assert.notEqual(result.code, 0, result.output);
        assert.match(result.output, /FAIL: read-after-purchase: .* a stale cache entry survived the write/);
      } finally {
        await topo.stop();
      }
    });

    it('fails when the frontend does not answer', async () => {
      const result = await helmTest({ BAZAR_URL: `http://127.0.0.1:${await freePort()}` });
      assert.equal(result.code, 1, result.output);
      assert.match(result.output, /FAIL: GET \/readyz no answer: ECONNREFUSED/);
    });
  });
});
