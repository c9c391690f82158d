// I12, linearizable per book: histories of concurrent reads, price and stock updates and purchases of one book,
// made by 8 clients through several frontend pods, are checked with porcupine (test/linearizability, Go) — without
// faults, with the shared Redis store, and with a frontend pod frozen and the replica, a catalog pod and an order
// pod killed partway through.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { BazarTopology, callJson, type JsonResponse } from '@bazar/harness';

const run = promisify(execFile);
const checker = resolve(__dirname, '../../test/linearizability');
const artifacts = resolve(__dirname, '../../../../test-artifacts');
const bookId = 3;
const clients = 8;
const neverReturned = Number.MAX_SAFE_INTEGER;

type Kind = 'read' | 'price' | 'quantity' | 'delta' | 'buy';
interface Op {
  client: number;
  input: { kind: Kind; value: number };
  output: { outcome: string; cents: number; quantity: number };
  call: number;
  return: number;
}

const nowNs = () => Number(process.hrtime.bigint());

/** What an answer says happened: ok, refused without effect, nothing at all (dropped), or not known. */
function outcomeOf(kind: Kind, res: JsonResponse | undefined): string | undefined {
  if (!res) return 'unknown';
  if (res.status < 300) return 'ok';
  const code = res.body?.error?.code;
  if (res.status === 409 && (code === 'out_of_stock' || code === 'insufficient_stock')) {
    return code === 'out_of_stock' ? 'sold_out' : 'insufficient_stock';
  }
  if (kind === 'read' || code === 'busy' || code === 'database_busy' || res.status < 500) return undefined;
  return 'unknown';
}

async function record(topo: BazarTopology, durationMs: number, midway?: () => Promise<void>): Promise<Op[]> {
  const ops: Op[] = [];
  let price = 1000 + Math.floor(Math.random() * 1000);
  const until = performance.now() + durationMs;
  const client = async (c: number) => {
    for (let n = 0; performance.now() < until; n++) {
      const fe = topo.frontends[(c + n) % topo.frontends.length]!.url;
      const r = Math.random();
      const kind: Kind =
        r < 0.55 ? 'read' : r < 0.67 ? 'price' : r < 0.75 ? 'quantity' : r < 0.85 ? 'delta' : 'buy';
      const value =
        kind === 'price'
          ? ++price
          : kind === 'quantity'
            ? Math.floor(Math.random() * 6)
            : kind === 'delta'
              ? Math.floor(Math.random() * 5) - 2 || 1
              : 0;
      const call = nowNs();
      let res: JsonResponse | undefined;
      try {
        if (kind === 'read') res = await callJson('GET', `${fe}/info/${bookId}`, { timeoutMs: 20_000 });
        else if (kind === 'buy') {
          const headers = { 'Idempotency-Key': `lin-${randomUUID()}` };
          res = await callJson('POST', `${fe}/purchase/${bookId}`, { headers, timeoutMs: 20_000 });
        } else {
          const body =
            kind === 'price'
              ? { price: value / 100 }
              : kind === 'quantity'
                ? { quantity: value }
                : { quantityDelta: value };
          res = await callJson('PATCH', `${fe}/books/${bookId}`, {
            token: topo.adminToken,
            body,
            timeoutMs: 20_000,
          });
        }
      } catch {
        res = undefined; // no answer: the operation may or may not have happened
      }
      const ret = nowNs();
      const outcome = outcomeOf(kind, res);
      if (outcome === undefined) continue;
      const book = kind === 'read' ? res!.body : undefined;
      ops.push({
        client: c,
        input: { kind, value },
        output: {
          outcome,
          cents: book ? Math.round(book.price * 100) : 0,
          quantity: book ? book.quantity : 0,
        },
        call,
        return: outcome === 'unknown' ? neverReturned : ret,
      });
    }
  };
  await Promise.all([...Array.from({ length: clients }, (_, c) => client(c)), midway?.()]);
  return ops;
}

async function check(name: string, init: { cents: number; quantity: number }, ops: Op[]): Promise<string> {
  await mkdir(artifacts, { recursive: true });
  const file = join(artifacts, `linearizability-${name}.json`);
  await writeFile(file, JSON.stringify({ init: { Cents: init.cents, Quantity: init.quantity }, ops }));
  const html = join(artifacts, `linearizability-${name}.html`);
  try {
    const { stdout } = await run('go', ['run', '.', file, html], { cwd: checker, timeout: 300_000 });
    return stdout.trim();
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number };
    assert.fail(`porcupine (exit ${e.code}): ${e.stdout ?? ''}${e.stderr ?? ''} — history in ${file}`);
  }
}

describe('I12: reads through several frontend pods are linearizable per book', function () {
  this.timeout(600_000);
  let topo: BazarTopology;
  let shared: BazarTopology | undefined;
  const start = async () => {
    const fe = topo.frontends[0]!.url;
    const set = await callJson('PATCH', `${fe}/books/${bookId}`, {
      token: topo.adminToken,
      body: { price: 10, quantity: 20 },
    });
    assert.equal(set.status, 200);
    return { cents: 1000, quantity: 20 };
  };

  before(async () => {
    topo = await BazarTopology.start({ frontends: 3 });
  });
  after(async () => {
    for (const pod of topo?.frontends ?? []) if (pod.pid) process.kill(pod.pid, 'SIGCONT');
    await topo?.stop();
    await shared?.stop();
  });

  it('8 clients for 12 s through 3 pods, no faults', async () => {
    const init = await start();
    const ops = await record(topo, 12_000);
    assert.ok(ops.filter((o) => o.input.kind === 'read').length > 200, `only ${ops.length} operations`);
    const verdict = await check('no-faults', init, ops);
    assert.match(verdict, /^linearizable/);
  });

  it('8 clients for 12 s through 3 pods sharing one Redis store, no faults', async () => {
    const memory = topo;
    shared = topo = await BazarTopology.start({ frontends: 3, redis: true });
    try {
      const init = await start();
      const verdict = await check('redis', init, await record(topo, 12_000));
      assert.match(verdict, /^linearizable/);
    } finally {
      topo = memory;
    }
  });

  it('the same through faults: a frontend frozen, the replica, a catalog and an order pod SIGKILLed', async () => {
    const init = await start();
    const frozen = topo.frontends[1]!;
    const [catalog, order] = [topo.catalogs[1]!, topo.orders[0]!];
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms)); // when to inject, not a wait on state
    const ops = await record(topo, 14_000, async () => {
      await pause(3_000);
      process.kill(frozen.pid!, 'SIGSTOP');
      await topo.cluster.killReplica('SIGKILL');
      await pause(3_000);
      process.kill(frozen.pid!, 'SIGCONT');
      await Promise.all([catalog.kill('SIGKILL'), order.kill('SIGKILL')]);
      await pause(1_000);
      await Promise.all([catalog.start(), order.start()]);
    });
    try {
      const verdict = await check('faults', init, ops);
      assert.match(verdict, /^linearizable/);
    } finally {
      await topo.cluster.startReplica();
      await topo.cluster.waitReplicaStreaming();
    }
  });
});
