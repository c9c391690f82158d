// Browse: the everyday mix at a steady arrival rate — about 90% reads (book info and topic searches, mostly
// cache hits) and 10% purchases, each purchase with its own idempotency key.
//   RATE (iterations/s, default 50), DURATION (default 30s), BOOK_COUNT, TOPICS
import { check } from 'k6';
import exec from 'k6/execution';
import { Counter } from 'k6/metrics';
import type { Options } from 'k6/options';
import { body, info, search, type Book, type SearchPage } from '../lib/api.ts';
import { BOOK_COUNT, TOPICS, durationFromEnv, intFromEnv } from '../lib/config.ts';
import { buy } from '../lib/purchases.ts';
import { requireReady, runId } from '../lib/setup.ts';
import { summaryFor } from '../lib/summary.ts';
import {
  errorThresholds,
  latencyThresholds,
  purchaseLatency,
  readLatency,
  summaryTrendStats,
} from '../lib/thresholds.ts';

const rate = intFromEnv('RATE', 50, 1);

const purchasesCreated = new Counter('purchases_created');
const purchasesSoldOut = new Counter('purchases_sold_out');

export const options: Options = {
  scenarios: {
    browse: {
      executor: 'constant-arrival-rate',
      rate,
      timeUnit: '1s',
      duration: durationFromEnv('DURATION', '30s'),
      preAllocatedVUs: Math.min(200, Math.max(10, Math.ceil(rate / 5))),
      maxVUs: Math.min(400, Math.max(20, rate)),
    },
  },
  thresholds: {
    ...errorThresholds(0.01),
    ...latencyThresholds('read', readLatency),
    ...latencyThresholds('purchase', purchaseLatency),
    // The target keeps up with the arrival rate: k6 did not have to skip iterations for want of VUs.
    dropped_iterations: ['count<=' + Math.ceil(rate)],
  },
  summaryTrendStats,
};

export function setup(): { run: string } {
  requireReady();
  return { run: runId() };
}

const pick = (n: number) => Math.floor(Math.random() * n);

export default function browse(data: { run: string }): void {
  const roll = Math.random();
  if (roll < 0.6) {
    const id = pick(BOOK_COUNT) + 1;
    const res = info(id);
    check(res, { 'info: 200 with the book': (r) => r.status === 200 && body<Book>(r)?.id === id });
  } else if (roll < 0.9) {
    const topic = TOPICS[pick(TOPICS.length)] ?? 'distributed systems';
    const res = search(topic);
    check(res, {
      'search: 200 with a page': (r) => r.status === 200 && Array.isArray(body<SearchPage>(r)?.items),
    });
  } else {
    const bought = buy(pick(BOOK_COUNT) + 1, `browse-${data.run}-${exec.scenario.iterationInTest}`);
    if (bought.outcome === 'created') purchasesCreated.add(1);
    if (bought.outcome === 'sold_out') purchasesSoldOut.add(1);
    check(bought.res, {
      'purchase: 201 or 409 sold out': () => ['created', 'sold_out'].includes(bought.outcome),
    });
  }
}

export const handleSummary = summaryFor('browse');
