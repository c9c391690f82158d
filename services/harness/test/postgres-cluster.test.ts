// Proves the harness gives tests a real primary with a synchronous, streaming, read-only replica
// that survives being killed, and a primary whose loss the replica outlives.
// The cases run in order and share one cluster: each step starts from the state the previous left.
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { Client } from 'pg';
import { PostgresCluster } from '../src';

const DB = { name: 'bazar_test', owner: 'bazar_app', password: "it's-a-secret" };

describe('PostgresCluster', function () {
  this.timeout(60_000);
  let cluster: PostgresCluster;

  async function connect(role: 'primary' | 'replica'): Promise<Client> {
    const client = new Client({
      connectionString: cluster.url(role, DB.name, DB.owner, DB.password),
      connectionTimeoutMillis: 2_000,
    });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  }

  async function labelsOn(role: 'primary' | 'replica'): Promise<string[]> {
    const rows = await cluster.query<{ label: string }>(
      role,
      'SELECT label FROM items ORDER BY id',
      [],
      DB.name,
    );
    return rows.map((row) => row.label);
  }

  before(async () => {
    cluster = await PostgresCluster.start({ databases: [DB] });
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.error(cluster?.logs());
  });

  after(async () => {
    await cluster?.stop();
  });

  it('starts the replica as a streaming synchronous standby under its standby name', async () => {
    const rows = await cluster.query(
      'primary',
      'SELECT application_name, state, sync_state FROM pg_stat_replication',
    );
    assert.deepEqual(rows, [
      { application_name: cluster.standbyName, state: 'streaming', sync_state: 'sync' },
    ]);
  });

  it('shows a row committed on the primary on the replica right after the commit', async () => {
    const primary = await connect('primary');
    try {
      await primary.query('CREATE TABLE items (id int PRIMARY KEY, label text NOT NULL)');
      await primary.query('SET synchronous_commit = remote_apply');
      await primary.query(`INSERT INTO items VALUES (1, 'written-while-in-sync')`);
    } finally {
      await primary.end();
    }
    assert.deepEqual(await labelsOn('replica'), ['written-while-in-sync']);
  });

  it('keeps the replica read-only', async () => {
    const replica = await connect('replica');
    try {
      const [row] = (await replica.query<{ recovering: boolean }>('SELECT pg_is_in_recovery() AS recovering'))
        .rows;
      assert.equal(row?.recovering, true);
      await assert.rejects(replica.query(`INSERT INTO items VALUES (2, 'nope')`), { code: '25006' });
    } finally {
      await replica.end();
    }
  });

  it('restarts a killed replica, which streams again and catches up on writes missed while down', async () => {
    await cluster.killReplica();
    const streaming = await cluster.query(
      'primary',
      `SELECT 1 FROM pg_stat_replication WHERE state = 'streaming'`,
    );
    assert.equal(streaming.length, 0);

    const primary = await connect('primary');
    try {
      // With the synchronous standby gone, only a local commit can complete.
      await primary.query('BEGIN');
      await primary.query('SET LOCAL synchronous_commit = local');
      await primary.query(`INSERT INTO items VALUES (2, 'written-while-replica-down')`);
      await primary.query('COMMIT');
    } finally {
      await primary.end();
    }

    await cluster.startReplica();
    await cluster.waitReplicaStreaming(15_000);
    await cluster.waitReplicaCaughtUp(15_000);
    assert.deepEqual(await labelsOn('replica'), ['written-while-in-sync', 'written-while-replica-down']);
  });

  it('fails connections to a stopped primary fast while the replica keeps answering', async () => {
    await cluster.stopPrimary('fast');
    const started = Date.now();
    await assert.rejects(connect('primary'), { code: 'ECONNREFUSED' });
    assert.ok(Date.now() - started < 1_000, 'connecting to a stopped primary should fail at once');
    assert.deepEqual(await labelsOn('replica'), ['written-while-in-sync', 'written-while-replica-down']);
  });

  it('gets the synchronous replica back when the primary starts again', async () => {
    await cluster.startPrimary();
    await cluster.waitReplicaStreaming(15_000);
    const primary = await connect('primary');
    try {
      await primary.query('SET synchronous_commit = remote_apply');
      await primary.query(`INSERT INTO items VALUES (3, 'written-after-primary-restart')`);
    } finally {
      await primary.end();
    }
    assert.deepEqual((await labelsOn('replica')).at(-1), 'written-after-primary-restart');
  });

  it('stops both servers and removes its directory, and can be stopped twice', async () => {
    await cluster.stop();
    await cluster.stop();
    await assert.rejects(connect('primary'), { code: 'ECONNREFUSED' });
    await assert.rejects(connect('replica'), { code: 'ECONNREFUSED' });
    // KEEP_PG_DIR is for debugging a failing run; the directory is then kept on purpose.
    assert.equal(existsSync(cluster.dir), Boolean(process.env.KEEP_PG_DIR));
  });
});
