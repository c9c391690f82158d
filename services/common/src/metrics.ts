// One Prometheus registry per process, served at /metrics by every service: process defaults plus what each
// part of Bazar adds (upstream latency here; cache, replication and purchases where they happen).
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

export const upstreamDuration = new Histogram({
  name: 'bazar_upstream_request_duration_seconds',
  help: 'calls to catalog/order/frontend pods, by upstream, endpoint and outcome',
  labelNames: ['upstream', 'endpoint', 'outcome'],
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [metricsRegistry],
});

/** A counter whose value is read from `read()` at scrape time (for counts kept elsewhere). */
export function observedCounter(name: string, help: string, read: () => number): Counter {
  return new Counter({
    name,
    help,
    registers: [metricsRegistry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}
