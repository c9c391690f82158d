// Cache hit: a steady rate of GET /info on a few hot books, all of them cached by the frontend after setup()
// has read each once. Every answer must be a HIT (bar the refill after CACHE_TTL_MS) and fast.
//   RATE (requests/s, default 500), DURATION (default 30s), BOOK_COUNT (the hot ids are 1..BOOK_COUNT)
import { check } from 'k6';
import exec from 'k6/execution';
import { Rate } from 'k6/metrics';
import type { Options } from 'k6/options';
import { body, cacheStats, info } from '../lib/api.ts';
import { BOOK_COUNT, durationFromEnv, intFromEnv } from '../lib/config.ts';
import { requireReady } from '../lib/setup.ts';
import { summaryFor } from '../lib/summary.ts';
import { errorThresholds, latencyThresholds, summaryTrendStats } from '../lib/thresholds.ts';

const rate = intFromEnv('RATE', 500, 1);
const hits = new Rate('cache_hits');

interface Stats {
  hits: number;
  misses: number;
}

export const options: Options = {
  scenarios: {
    hot: {
      executor: 'constant-arrival-rate',
      rate,
      timeUnit: '1s',
      duration: durationFromEnv('DURATION', '30s'),
      preAllocatedVUs: Math.min(100, Math.max(5, Math.ceil(rate / 50))),
      maxVUs: Math.min(300, Math.max(20, Math.ceil(rate / 5))),
    },
  },
  thresholds: {
    ...errorThresholds(0.001),
    // Entries expire after CACHE_TTL_MS (30 s by default), so a few refills are expected.
    cache_hits: ['rate>=0.99'],
    ...latencyThresholds('read', { p95: 10, p99: 25 }),
    dropped_iterations: ['count<=' + rate],
  },
  summaryTrendStats,
};

export function setup(): Stats {
  requireReady();
  for (let id = 1; id <= BOOK_COUNT; id++) info(id);
  return body<Stats>(cacheStats()) ?? { hits: 0, misses: 0 };
}

export default function hot(): void {
  const res = info((exec.scenario.iterationInTest % BOOK_COUNT) + 1);
  hits.add(res.headers['X-Cache'] === 'HIT');
  check(res, { 'info: 200': (r) => r.status === 200 });
}

export function teardown(before: Stats): void {
  const after = body<Stats>(cacheStats());
  if (after) {
    const h = after.hits - before.hits;
    const m = after.misses - before.misses;
    console.log(
      `frontend cache during the run: ${h} hits, ${m} misses (hit ratio ${(h / Math.max(1, h + m)).toFixed(4)})`,
    );
  }
}

export const handleSummary = summaryFor('cache-hit');
