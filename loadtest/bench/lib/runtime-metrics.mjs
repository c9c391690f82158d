// What a pod's Node runtime went through during a run, from the Prometheus text at its /metrics (prom-client's
// default metrics): garbage-collection pauses by kind, and the event loop's delay. prom-client resets its event-loop
// histogram at every scrape, so a scrape before the run starts a fresh window.
import { request } from 'undici';

/** The event loop is sampled every 10 ms (prom-client's default); a sample above that is the delay. */
const RESOLUTION_S = 0.01;

export async function scrapeRuntime(url) {
  const text = await (await request(`${url}/metrics`)).body.text();
  const value = (name, labels = '') =>
    Number(new RegExp(`^${name}${labels.replace(/[{}]/g, '\\$&')} ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? 0);
  const gc = {};
  for (const kind of ['minor', 'major', 'incremental']) {
    gc[kind] = {
      count: value('nodejs_gc_duration_seconds_count', `{kind="${kind}"}`),
      seconds: value('nodejs_gc_duration_seconds_sum', `{kind="${kind}"}`),
    };
  }
  const delay = (stat) => Math.max(0, value(`nodejs_eventloop_lag_${stat}_seconds`) - RESOLUTION_S) * 1000;
  return { gc, eventLoopDelayMs: { p50: delay('p50'), p99: delay('p99'), max: delay('max') } };
}

/** GC pauses between two scrapes, and the event-loop delay of the window the second one closes. */
export function runtimeBetween(before, after) {
  const gc = {};
  for (const kind of Object.keys(after.gc)) {
    const count = after.gc[kind].count - before.gc[kind].count;
    const ms = (after.gc[kind].seconds - before.gc[kind].seconds) * 1000;
    gc[kind] = { count, ms, meanMs: count ? ms / count : 0 };
  }
  return { gc, eventLoopDelayMs: after.eventLoopDelayMs };
}
