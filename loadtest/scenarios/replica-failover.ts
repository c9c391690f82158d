// Replica failover: reads and purchases at a steady rate, with strict error thresholds, while something outside
// k6 takes replicas away and brings them back — a catalog or order pod, or the Postgres replica (k6 cannot kill
// pods). `npm run loadtest:failover` does that on this machine (loadtest/bench/failover.mjs); on Kubernetes,
// delete a pod mid-run (see loadtest/README.md). Bazar promises (I6, I7) no client-visible failure beyond one
// retried request: here each operation may be retried once (a purchase with the same idempotency key), and no
// operation may fail after that.
//   RATE (iterations/s, default 40), DURATION (default 60s), BOOK_COUNT, TOPICS
import { check } from 'k6';
import exec from 'k6/execution';
import { Counter } from 'k6/metrics';
import type { Options } from 'k6/options';
import { body, info, search, type Book, type Response, type SearchPage } from '../lib/api.ts';
import { BOOK_COUNT, TOPICS, durationFromEnv, intFromEnv } from '../lib/config.ts';
import { buy } from '../lib/purchases.ts';
import { requireReady, runId } from '../lib/setup.ts';
import { summaryFor } from '../lib/summary.ts';
import { errorThresholds, latencyThresholds, summaryTrendStats } from '../lib/thresholds.ts';

const rate = intFromEnv('RATE', 40, 1);
const failedOps = new Counter('failover_ops_failed');
const retriedOps = new Counter('failover_ops_retried');

export const options: Options = {
  scenarios: {
    steady: {
      executor: 'constant-arrival-rate',
      rate,
      timeUnit: '1s',
      duration: durationFromEnv('DURATION', '60s'),
      preAllocatedVUs: Math.max(10, Math.ceil(rate / 2)),
      maxVUs: Math.max(50, rate * 3),
    },
  },
  thresholds: {
    ...errorThresholds(0.002, 0.999),
    failover_ops_failed: ['count==0'],
    // A failover may cost a slow answer — writes fall back to local commits within 2 s — but never a hang.
    ...latencyThresholds('read', { p95: 100, p99: 1000 }),
    ...latencyThresholds('purchase', { p95: 1000, p99: 2500 }),
    dropped_iterations: ['count<=' + rate],
  },
  summaryTrendStats,
};

export function setup(): { run: string } {
  requireReady();
  [failedOps, retriedOps].forEach((c) => c.add(0));
  return { run: runId() };
}

const pick = (n: number) => Math.floor(Math.random() * n);

/** One read, retried once when it failed. */
function read(get: () => Response, ok: (r: Response) => boolean): Response {
  let res = get();
  if (!ok(res)) {
    retriedOps.add(1);
    res = get();
  }
  return res;
}

export default function steady(data: { run: string }): void {
  const roll = Math.random();
  let ok: boolean;
  if (roll < 0.7) {
    const id = pick(BOOK_COUNT) + 1;
    const good = (r: Response) => r.status === 200 && body<Book>(r)?.id === id;
    ok = check(
      read(() => info(id), good),
      { 'info: 200 (after at most one retry)': good },
    );
  } else if (roll < 0.9) {
    const topic = TOPICS[pick(TOPICS.length)] ?? 'distributed systems';
    const good = (r: Response) => r.status === 200 && Array.isArray(body<SearchPage>(r)?.items);
    ok = check(
      read(() => search(topic), good),
      { 'search: 200 (after at most one retry)': good },
    );
  } else {
    const bought = buy(pick(BOOK_COUNT) + 1, `failover-${data.run}-${exec.scenario.iterationInTest}`);
    if (bought.attempts > 1) retriedOps.add(1);
    ok = check(bought.res, {
      'purchase: 201 or 409 (after at most one retry)': () => bought.outcome !== 'failed',
    });
  }
  if (!ok) failedOps.add(1);
}

export const handleSummary = summaryFor('replica-failover');
