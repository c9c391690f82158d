// Pass/fail criteria shared by the scenarios. Latency limits are per `op` tag (see api.ts), so a slow purchase
// never hides behind fast cached reads. The numbers fit a laptop or a kind cluster; on loopback they leave room
// for k6 itself sharing the CPU.
import type { Options } from 'k6/options';

type Thresholds = NonNullable<Options['thresholds']>;

export interface LatencyLimits {
  p95: number;
  p99: number;
}

/** At most `maxErrorRate` of requests failed, and at least `minCheckRate` of checks passed. */
export function errorThresholds(maxErrorRate: number, minCheckRate = 0.99): Thresholds {
  return {
    http_req_failed: [{ threshold: `rate<=${maxErrorRate}`, abortOnFail: false }],
    checks: [`rate>=${minCheckRate}`],
  };
}

/** p95/p99 limits (ms) on the requests tagged with `op`. */
export function latencyThresholds(op: string, limits: LatencyLimits): Thresholds {
  return { [`http_req_duration{op:${op}}`]: [`p(95)<${limits.p95}`, `p(99)<${limits.p99}`] };
}

/** Limits that hold for the seven-book store on `npm start` (embedded database) as well as on real Postgres. */
export const readLatency: LatencyLimits = { p95: 100, p99: 250 };
export const purchaseLatency: LatencyLimits = { p95: 800, p99: 1500 };

/** Trend stats every summary reports; p(99) is not in k6's default set. */
export const summaryTrendStats = ['avg', 'min', 'med', 'p(90)', 'p(95)', 'p(99)', 'max', 'count'];
