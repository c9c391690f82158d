// Two ways of loading an HTTP server from the bench process:
// - closedLoop: autocannon, N connections each sending its next request as soon as the last answer came back —
//   peak throughput, or a fixed amount of requests (e.g. one per distinct id);
// - probe: a few undici connections, one request at a time each, recording every answer's latency and headers —
//   latency at light load, keeping only the answers a filter accepts (e.g. X-Cache: MISS).
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { Pool } from 'undici';
import { latencySummary } from './stats.mjs';

/**
 * @param {{ url: string, connections?: number, durationS?: number, amount?: number, method?: string,
 *           headers?: Record<string,string>, nextPath?: () => string }} opts
 */
export async function closedLoop(opts) {
  const { url, connections = 32, durationS, amount, method = 'GET', headers, nextPath } = opts;
  const samples = [];
  const instance = autocannon({
    url,
    connections,
    method,
    headers,
    ...(amount ? { amount } : { duration: durationS ?? 10 }),
    ...(nextPath ? { requests: [{ setupRequest: (req) => ({ ...req, path: nextPath() }) }] } : {}),
    timeout: 10,
  });
  instance.on('response', (_client, _status, _bytes, responseTime) => samples.push(responseTime));
  const result = await instance;
  const responses = result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'];
  const seconds = result.duration;
  return {
    rps: responses / seconds,
    responses,
    ok: result['2xx'],
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([s, v]) => [s, v.count])),
    errors: result.errors + result.timeouts,
    seconds,
    latency: latencySummary(samples),
  };
}

/**
 * @param {{ origin: string, connections?: number, durationMs: number, nextPath: () => string,
 *           keep?: (status: number, headers: Record<string, string | string[]>) => boolean }} opts
 */
export async function probe(opts) {
  const { origin, connections = 4, durationMs, nextPath, keep = () => true } = opts;
  const pool = new Pool(origin, { connections, pipelining: 1 });
  const samples = [];
  const statuses = {};
  let skipped = 0;
  const deadline = performance.now() + durationMs;
  const loop = async () => {
    while (performance.now() < deadline) {
      const started = performance.now();
      const res = await pool.request({ path: nextPath(), method: 'GET' });
      await res.body.arrayBuffer();
      const took = performance.now() - started;
      statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
      if (keep(res.statusCode, res.headers)) samples.push(took);
      else skipped++;
    }
  };
  try {
    await Promise.all(Array.from({ length: connections }, loop));
  } finally {
    await pool.close();
  }
  return { latency: latencySummary(samples), statuses, skipped };
}
