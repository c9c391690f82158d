// Smoke: a couple of users walk through every public endpoint once per iteration and check the answers' shape,
// caching, idempotency and errors. Small and quick: CI runs it against `npm start` (loadtest/run-smoke.sh).
import { check } from 'k6';
import exec from 'k6/execution';
import type { Options } from 'k6/options';
import {
  body,
  cacheStats,
  errorCode,
  getOrder,
  info,
  search,
  type Book,
  type Order,
  type SearchPage,
} from '../lib/api.ts';
import { BOOK_COUNT, TOPICS } from '../lib/config.ts';
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

export const options: Options = {
  scenarios: {
    smoke: { executor: 'per-vu-iterations', vus: 2, iterations: 10, maxDuration: '60s' },
  },
  thresholds: {
    ...errorThresholds(0, 1),
    ...latencyThresholds('read', readLatency),
    ...latencyThresholds('purchase', purchaseLatency),
  },
  summaryTrendStats,
};

export function setup(): { run: string } {
  requireReady();
  return { run: runId() };
}

export default function smoke(data: { run: string }): void {
  const iteration = exec.scenario.iterationInTest;
  const id = (iteration % BOOK_COUNT) + 1;
  const topic = TOPICS[iteration % TOPICS.length] ?? 'distributed systems';

  const found = search(topic);
  check(found, {
    'search: 200 with items of the topic': (r) =>
      r.status === 200 && (body<SearchPage>(r)?.items.length ?? 0) > 0,
  });

  const first = info(id);
  const book = body<Book>(first);
  check(first, {
    'info: 200 with the book': (r) => r.status === 200 && book?.id === id && typeof book.title === 'string',
    'info: says which replica served it': (r) => (r.headers['X-Served-By'] ?? '').length > 0,
  });
  check(info(id), { 'info: repeat is a cache HIT': (r) => r.headers['X-Cache'] === 'HIT' });

  const key = `smoke-${data.run}-${iteration}`;
  const bought = buy(id, key);
  check(bought.res, {
    'purchase: 201 new order or 409 sold out': () => ['created', 'sold_out'].includes(bought.outcome),
  });
  if (bought.outcome === 'created') {
    const order = body<Order>(bought.res);
    const again = buy(id, key);
    check(again.res, {
      'purchase: same key replays the same order': (r) =>
        r.status === 200 && body<Order>(r)?.orderId === order?.orderId,
    });
    check(getOrder(order?.orderId ?? 'missing'), { 'orders/:id: 200': (r) => r.status === 200 });
  }

  check(info(0, [400]), {
    'info: bad id is 400 invalid_input': (r) => r.status === 400 && errorCode(r) === 'invalid_input',
  });
  check(info(999_999_999, [404]), {
    'info: unknown id is 404 JSON': (r) => r.status === 404 && errorCode(r) !== undefined,
  });
  check(cacheStats(), { 'cache/stats: 200': (r) => r.status === 200 });
}

export const handleSummary = summaryFor('smoke');
