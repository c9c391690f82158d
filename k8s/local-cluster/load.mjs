#!/usr/bin/env node
// A small, bounded load on Bazar's public API for cluster-e2e.sh: BUYERS concurrent buyers, each with its own
// cookie jar (the customer session `bazar_customer` + `.sig` that its first purchase sets), buying BOOK_ID with a
// fresh Idempotency-Key per purchase and retrying a failed one ONCE with the same key and cookie after its
// Retry-After; plus READERS concurrent readers of GET /info/:id (a failed read is retried once too). Runs until
// SIGTERM/SIGINT (or MAX_SECONDS), lets the requests in flight finish, and writes a JSON summary to OUT.
// No dependencies: Node 20's fetch.
//
// Environment: BASE_URL (http://10.96.x.y), BOOK_ID, READ_IDS (comma list, default BOOK_ID), BUYERS (3),
// READERS (2), PURCHASE_PAUSE_MS (250), READ_PAUSE_MS (100), TIMEOUT_MS (12000, above the frontend's own 10 s request deadline), MAX_SECONDS (600), OUT, LABEL.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';

const env = process.env;
const baseUrl = (env.BASE_URL ?? '').replace(/\/$/, '');
if (!baseUrl) throw new Error('BASE_URL must be set');
const bookId = Number(env.BOOK_ID ?? 7);
const readIds = (env.READ_IDS ?? String(bookId)).split(',').map(Number);
const buyers = Number(env.BUYERS ?? 3);
const readers = Number(env.READERS ?? 2);
const purchasePauseMs = Number(env.PURCHASE_PAUSE_MS ?? 250);
const readPauseMs = Number(env.READ_PAUSE_MS ?? 100);
const timeoutMs = Number(env.TIMEOUT_MS ?? 12000);
const maxSeconds = Number(env.MAX_SECONDS ?? 600);
const label = env.LABEL ?? 'load';
const started = Date.now();
let stopping = false;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const elapsed = () => ((Date.now() - started) / 1000).toFixed(1);
const clock = () => new Date().toISOString().slice(11, 23);
const log = (msg) => process.stderr.write(`[${label} ${elapsed()}s ${clock()}] ${msg}\n`);

const stats = {
  purchases: { sent: 0, ok: 0, created: 0, repeated: 0, firstFailed: 0, retried: 0, retriedOk: 0, failed: 0 },
  reads: { sent: 0, ok: 0, firstFailed: 0, retried: 0, retriedOk: 0, failed: 0 },
  // Every non-2xx answer or error, first attempts and retries alike: what failed, when, and with what.
  failures: [],
  orders: [], // {key, orderId, bookId, buyer, resolved}: one per purchase that succeeded (or was resolved)
  unresolved: [], // purchases that failed after their retry and are still unknown after the resolution pass
  resolvedLater: 0,
  statuses: {},
};

function noteFailure(kind, attempt, result) {
  stats.failures.push({
    t: Number(elapsed()),
    kind,
    attempt,
    status: result.status,
    code: result.code,
    error: result.error,
    servedBy: result.servedBy,
  });
  log(
    `${kind} attempt ${attempt}: ${result.status ?? 'no answer'} ${result.code ?? ''} ${result.error ?? ''}`,
  );
}

// A cookie jar of one buyer: name=value pairs from Set-Cookie, sent back on every request.
class CookieJar {
  cookies = new Map();
  store(headers) {
    for (const line of headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq > 0) this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }
  header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

async function call(method, path, { headers = {}, jar } = {}) {
  const h = { accept: 'application/json', ...headers };
  if (jar && jar.cookies.size) h.cookie = jar.header();
  try {
    const res = await fetch(baseUrl + path, { method, headers: h, signal: AbortSignal.timeout(timeoutMs) });
    if (jar) jar.store(res.headers);
    const text = await res.text();
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const key = `${method} ${res.status}`;
    stats.statuses[key] = (stats.statuses[key] ?? 0) + 1;
    return {
      status: res.status,
      body,
      code: body?.error?.code,
      retryAfter: Number(res.headers.get('retry-after') ?? 1),
      servedBy: res.headers.get('x-served-by') ?? undefined,
    };
  } catch (err) {
    stats.statuses[`${method} error`] = (stats.statuses[`${method} error`] ?? 0) + 1;
    return { error: String(err?.cause?.code ?? err?.name ?? err), retryAfter: 1 };
  }
}

const purchaseOk = (r) => r.status === 201 || r.status === 200;
// Purchases that failed after their one retry: their outcome may be unknown (503 purchase_unconfirmed, a
// timeout). Once the load stops they are asked again with the same key and cookie, so that every order that
// exists is matched to its key (I5: the same key never buys twice); they stay counted as failed.
const pending = [];
async function resolvePending(seconds) {
  const until = Date.now() + seconds * 1000;
  for (const p of pending) {
    let r;
    do {
      r = await call('POST', `/purchase/${bookId}`, { headers: { 'idempotency-key': p.key }, jar: p.jar });
      if (!purchaseOk(r)) await sleep(1000);
    } while (!purchaseOk(r) && Date.now() < until);
    if (purchaseOk(r)) {
      stats.resolvedLater++;
      stats.orders.push({
        key: p.key,
        orderId: r.body?.orderId,
        bookId: r.body?.bookId,
        buyer: p.buyer,
        resolved: r.status === 200 ? 'existed' : 'created now',
      });
      log(
        `resolved purchase ${p.key}: ${r.status === 200 ? 'it had happened' : 'it had not happened; bought now'}`,
      );
    } else {
      stats.unresolved.push({ key: p.key, status: r.status, code: r.code, error: r.error });
    }
  }
}

async function buyer(n) {
  const jar = new CookieJar();
  while (!stopping) {
    const key = randomUUID();
    const headers = { 'idempotency-key': key };
    stats.purchases.sent++;
    let r = await call('POST', `/purchase/${bookId}`, { headers, jar });
    if (!purchaseOk(r)) {
      stats.purchases.firstFailed++;
      noteFailure(`purchase(buyer ${n})`, 1, r);
      await sleep(Math.min(Math.max(r.retryAfter || 1, 0.2), 5) * 1000);
      stats.purchases.retried++;
      r = await call('POST', `/purchase/${bookId}`, { headers, jar });
      if (purchaseOk(r)) stats.purchases.retriedOk++;
      else noteFailure(`purchase(buyer ${n})`, 2, r);
    }
    if (purchaseOk(r)) {
      stats.purchases.ok++;
      if (r.status === 201) stats.purchases.created++;
      else stats.purchases.repeated++;
      stats.orders.push({ key, orderId: r.body?.orderId, bookId: r.body?.bookId, buyer: n });
    } else {
      stats.purchases.failed++;
      pending.push({ key, jar, buyer: n });
    }
    await sleep(purchasePauseMs);
  }
}

async function reader(n) {
  let i = n;
  while (!stopping) {
    const id = readIds[i++ % readIds.length];
    stats.reads.sent++;
    let r = await call('GET', `/info/${id}`);
    if (r.status !== 200) {
      stats.reads.firstFailed++;
      noteFailure(`read(/info/${id})`, 1, r);
      await sleep(Math.min(Math.max(r.retryAfter || 1, 0.2), 5) * 1000);
      stats.reads.retried++;
      r = await call('GET', `/info/${id}`);
      if (r.status === 200) stats.reads.retriedOk++;
      else noteFailure(`read(/info/${id})`, 2, r);
    }
    if (r.status === 200) stats.reads.ok++;
    else stats.reads.failed++;
    await sleep(readPauseMs);
  }
}

function stop(why) {
  if (!stopping) log(`stopping (${why}); letting the requests in flight finish`);
  stopping = true;
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
const limit = setTimeout(() => stop(`MAX_SECONDS ${maxSeconds}`), maxSeconds * 1000);

log(`${buyers} buyers of book ${bookId}, ${readers} readers of /info/${readIds.join(',')} at ${baseUrl}`);
const progress = setInterval(
  () =>
    log(
      `purchases ${stats.purchases.sent} sent, ${stats.purchases.failed} failed; reads ${stats.reads.sent} sent, ${stats.reads.failed} failed`,
    ),
  10_000,
);
await Promise.all([
  ...Array.from({ length: buyers }, (_, n) => buyer(n)),
  ...Array.from({ length: readers }, (_, n) => reader(n)),
]);
clearTimeout(limit);
clearInterval(progress);
await resolvePending(Number(env.RESOLVE_SECONDS ?? 30));

// An order id seen for two different keys would be a doubled or crossed order.
const byOrder = new Map();
for (const o of stats.orders) byOrder.set(o.orderId, (byOrder.get(o.orderId) ?? 0) + 1);
stats.distinctOrderIds = byOrder.size;
stats.startedAt = started; // epoch ms: failures' `t` (seconds) count from here
stats.orderIdsSeenTwice = [...byOrder].filter(([, c]) => c > 1).map(([id]) => id);
stats.wrongBook = stats.orders.filter((o) => o.bookId !== bookId).length;
stats.seconds = Number(elapsed());
if (env.OUT) writeFileSync(env.OUT, JSON.stringify(stats, null, 2));
log(`done: ${JSON.stringify({ purchases: stats.purchases, reads: stats.reads })}`);
