// Purchases under load through the frontend, reconciled afterwards (stock taken = 201s = order rows), and the
// database's own ceiling for the same work: pgbench running the reservation's conditional one-row UPDATE.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { callJson } from './harness.mjs';
import { closedLoop } from './http-load.mjs';

const run = promisify(execFile);

async function setStock(fe, adminToken, bookId, quantity) {
  const res = await callJson('PATCH', `${fe}/books/${bookId}`, { token: adminToken, body: { quantity } });
  if (res.status !== 200)
    throw new Error(`PATCH /books/${bookId} answered ${res.status}: ${JSON.stringify(res.body)}`);
}

async function stockOf(fe, bookId) {
  const res = await callJson('GET', `${fe}/info/${bookId}`);
  if (res.status !== 200) throw new Error(`GET /info/${bookId} answered ${res.status}`);
  return res.body.quantity;
}

async function ordersFor(cluster, bookId) {
  const rows = await cluster.query(
    'primary',
    'SELECT count(*)::int AS n FROM orders WHERE book_id = $1',
    [bookId],
    'orders',
  );
  return rows[0].n;
}

/**
 * Stock and order count once they stop moving: a run that ends on a deadline leaves purchases in flight, and
 * they complete on the server after the client has stopped listening.
 */
async function settled(fe, cluster, bookId) {
  let last = '';
  for (const deadline = Date.now() + 15_000; Date.now() < deadline; await sleep(250)) {
    const now = { stock: await stockOf(fe, bookId), orders: await ordersFor(cluster, bookId) };
    if (JSON.stringify(now) === last) return now;
    last = JSON.stringify(now);
  }
  throw new Error(`book ${bookId}: stock and orders still changing 15 s after the run`);
}

/**
 * POST /purchase/:bookId from `connections` buyers, for `durationS` seconds or `amount` requests, after setting
 * the stock to `stock`; then reconciles. Stock taken must equal the order rows added. With `amount`, every answer
 * is counted, so 201s must equal both; with a deadline, up to `connections` purchases may complete unanswered.
 */
export async function purchaseRun({ topo, fe, bookId, stock, connections, durationS, amount }) {
  await setStock(fe, topo.adminToken, bookId, stock);
  const before = await settled(fe, topo.cluster, bookId);
  const load = await closedLoop({
    url: `${fe}/purchase/${bookId}`,
    method: 'POST',
    connections,
    durationS,
    amount,
  });
  const after = await settled(fe, topo.cluster, bookId);
  const taken = before.stock - after.stock;
  const orders = after.orders - before.orders;
  const created = load.statusCodes['201'] ?? 0;
  const soldOut = load.statusCodes['409'] ?? 0;
  const other = Object.fromEntries(
    Object.entries(load.statusCodes).filter(([s]) => s !== '201' && s !== '409'),
  );
  const unanswered = amount ? 0 : connections;
  return {
    ...load,
    created,
    soldOut,
    other,
    purchasesPerSecond: created / load.seconds,
    stockBefore: before.stock,
    stockAfter: after.stock,
    taken,
    orders,
    reconciled: taken === orders && created <= taken && taken <= created + unanswered,
    oversold: after.stock < 0 || taken > stock || orders > stock,
  };
}

/**
 * POST /purchase/:id on `books` generated books (ids from 8, past the seed books the other runs use), at random,
 * for `durationS`: no hot row, so this is the ceiling of the purchase path itself (frontend → order pod → catalog
 * pod → both databases and the replica). Reconciled over all those books together.
 */
export async function spreadRun({ topo, fe, books, connections, durationS, firstId = 8 }) {
  const range = [firstId, firstId + books - 1];
  const one = async (db, sql) => Number((await topo.cluster.query('primary', sql, range, db))[0].n);
  const totals = async () => ({
    stock: await one('catalog', 'SELECT sum(quantity) AS n FROM books WHERE id BETWEEN $1 AND $2'),
    orders: await one('orders', 'SELECT count(*) AS n FROM orders WHERE book_id BETWEEN $1 AND $2'),
  });
  const before = await totals();
  const load = await closedLoop({
    url: fe,
    method: 'POST',
    connections,
    durationS,
    nextPath: () => `/purchase/${firstId + Math.floor(Math.random() * books)}`,
  });
  // In-flight purchases finish after the client stopped listening: wait until stock and orders agree and settle.
  let after = await totals();
  for (let i = 0; i < 60 && (after.orders - before.orders !== before.stock - after.stock || i < 2); i++) {
    await sleep(250);
    after = await totals();
  }
  const created = load.statusCodes['201'] ?? 0;
  const taken = before.stock - after.stock;
  const orders = after.orders - before.orders;
  return {
    ...load,
    books,
    created,
    purchasesPerSecond: created / load.seconds,
    taken,
    orders,
    reconciled: taken === orders,
  };
}

/** Where pgbench and postgres live: PG_BINDIR, then pg_config, then Debian's path for 15. */
export async function pgBindir() {
  if (process.env.PG_BINDIR) return process.env.PG_BINDIR;
  const fromConfig = await run('pg_config', ['--bindir']).then(
    (r) => r.stdout.trim(),
    () => '',
  );
  return fromConfig && existsSync(join(fromConfig, 'pgbench')) ? fromConfig : '/usr/lib/postgresql/15/bin';
}

/**
 * pgbench on the primary of the same pair: `clients` sessions running the reservation's conditional UPDATE of one
 * row, committing with synchronous_commit = remote_apply like a purchase does while the replica is healthy.
 */
export async function pgbenchRun({ cluster, bookId, clients, durationS }) {
  const startQuantity = 10_000_000;
  await cluster.query(
    'primary',
    'UPDATE books SET quantity = $2 WHERE id = $1',
    [bookId, startQuantity],
    'catalog',
  );
  const dir = await mkdtemp(join(tmpdir(), 'bazar-pgbench-'));
  const script = join(dir, 'reserve.sql');
  await writeFile(
    script,
    `UPDATE books SET quantity = quantity - 1, version = version + 1, updated_at = now() WHERE id = ${bookId} AND quantity > 0;\n`,
  );
  await chmod(dir, 0o755);
  const args = [
    ...['-h', cluster.host, '-p', String(cluster.primaryPort), '-U', cluster.superuser],
    ...['-n', '-c', String(clients), '-j', '2', '-T', String(durationS), '-f', script, 'catalog'],
  ];
  try {
    const { stdout } = await run(join(await pgBindir(), 'pgbench'), args, {
      env: {
        ...process.env,
        PGPASSWORD: cluster.superuserPassword,
        PGOPTIONS: '-c synchronous_commit=remote_apply',
      },
    });
    const number = (re) => Number(re.exec(stdout)?.[1]);
    const rows = await cluster.query(
      'primary',
      'SELECT quantity FROM books WHERE id = $1',
      [bookId],
      'catalog',
    );
    return {
      tps: number(/tps = ([\d.]+) \(without initial connection time\)/),
      latencyMs: number(/latency average = ([\d.]+) ms/),
      transactions: number(/number of transactions actually processed: (\d+)/),
      failed: number(/number of failed transactions: (\d+)/) || 0,
      updated: startQuantity - rows[0].quantity,
      args: `pgbench ${args.filter((a) => a !== cluster.superuserPassword).join(' ')}`,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
