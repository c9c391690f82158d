// Purchase storm: many buyers, little stock. setup() sets one book's stock through the admin API; BUYERS VUs
// then share ATTEMPTS purchases of it (more than the stock, so it sells out). teardown() reconciles through the
// public API — stock taken (initial − final) = orders for the book placed during the run — and the thresholds
// require exactly STOCK successful purchases, so success count = stock taken = orders, or the run fails (I1).
// Run it alone: other purchases of the same book during the storm would (rightly) break the reconciliation.
//   ADMIN_TOKEN (required), BOOK_ID (default 7), STOCK (default 50), BUYERS (default 100), ATTEMPTS (default 4×STOCK)
import { check } from 'k6';
import exec from 'k6/execution';
import { Counter } from 'k6/metrics';
import type { Options } from 'k6/options';
import { body, info, patchBook, type Book } from '../lib/api.ts';
import { intFromEnv } from '../lib/config.ts';
import { countOrdersSince, newestOrderId } from '../lib/orders.ts';
import { buy } from '../lib/purchases.ts';
import { requireAdminToken, requireReady, runId } from '../lib/setup.ts';
import { summaryFor } from '../lib/summary.ts';
import { errorThresholds, latencyThresholds, summaryTrendStats } from '../lib/thresholds.ts';

const bookId = intFromEnv('BOOK_ID', 7, 1);
const stock = intFromEnv('STOCK', 50, 1);
const buyers = intFromEnv('BUYERS', 100, 1);
const attempts = intFromEnv('ATTEMPTS', Math.max(4 * stock, buyers), 1);
if (attempts <= stock)
  throw new Error(`ATTEMPTS (${attempts}) must exceed STOCK (${stock}) for the book to sell out`);

const created = new Counter('storm_purchases_created');
const soldOut = new Counter('storm_purchases_sold_out');
const failed = new Counter('storm_purchases_failed');
const mismatches = new Counter('storm_reconcile_mismatches');

export const options: Options = {
  scenarios: {
    storm: { executor: 'shared-iterations', vus: buyers, iterations: attempts, maxDuration: '2m' },
  },
  thresholds: {
    ...errorThresholds(0.01),
    // Every copy sold, none twice: exactly STOCK purchases succeeded, the rest were told "sold out".
    storm_purchases_created: [`count==${stock}`],
    storm_purchases_failed: ['count==0'],
    storm_reconcile_mismatches: ['count==0'],
    // Every buyer queues on one row lock whose commit waits for the standby: latency grows with BUYERS.
    ...latencyThresholds('purchase', { p95: 3000, p99: 5000 }),
  },
  setupTimeout: '30s',
  teardownTimeout: '60s',
  summaryTrendStats,
};

interface StormData {
  run: string;
  initial: number;
  since: string | null;
}

export function setup(): StormData {
  requireReady();
  requireAdminToken('purchase-storm');
  const res = patchBook(bookId, { quantity: stock });
  if (res.status !== 200 || body<Book>(res)?.quantity !== stock) {
    exec.test.abort(
      `could not set book ${bookId}'s stock to ${stock}: ${res.status} ${String(res.body).slice(0, 200)}`,
    );
  }
  // Touch every counter so each threshold has a value even when nothing lands in it.
  [created, soldOut, failed, mismatches].forEach((c) => c.add(0));
  return { run: runId(), initial: stock, since: newestOrderId() };
}

export default function storm(data: StormData): void {
  const bought = buy(bookId, `storm-${data.run}-${exec.scenario.iterationInTest}`);
  if (bought.outcome === 'created') created.add(1);
  else if (bought.outcome === 'sold_out') soldOut.add(1);
  else failed.add(1);
  check(bought.res, {
    'purchase: 201 bought or 409 sold out': () =>
      bought.outcome !== 'failed' && bought.outcome !== 'replayed',
  });
}

export function teardown(data: StormData): void {
  const res = info(bookId);
  const final = body<Book>(res)?.quantity ?? -1;
  const taken = data.initial - final;
  const orders = countOrdersSince(bookId, data.since);
  const ok = check(null, {
    'reconcile: the book sold out': () => final === 0,
    'reconcile: stock taken = orders placed': () => taken === orders,
  });
  if (!ok) mismatches.add(1);
  console.log(
    `reconcile book ${bookId}: initial ${data.initial}, final ${final}, taken ${taken}, orders ${orders} ` +
      `(successful purchases are counted in storm_purchases_created, required = ${stock})`,
  );
}

export const handleSummary = summaryFor('purchase-storm');
