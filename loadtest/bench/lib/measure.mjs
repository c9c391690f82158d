// The bench's measurements, one function each. `ctx` holds what run.mjs started: the topology (`topo`), the
// frontend under test (`fe`, `fePod`), a frontend whose cache holds one entry (`missPod`, for cache-miss latency),
// the bare Koa twin (`bare`), the plan (durations and sizes) and `log` for progress.
import { setTimeout as sleep } from 'node:timers/promises';
import { TOPICS } from '../generate-catalog.mjs';
import { withCpu } from './cpu-accounting.mjs';
import { callJson } from './harness.mjs';
import { closedLoop, probe } from './http-load.mjs';
import { openLoop } from './open-loop.mjs';
import { runtimeBetween, scrapeRuntime } from './runtime-metrics.mjs';
import { heapMiB, residentMiB } from './memory.mjs';
import { ms, perSecond } from './stats.mjs';

const describe = (r) =>
  `${perSecond(r.rps)}, p50 ${ms(r.latency.p50)}, p99 ${ms(r.latency.p99)}, errors ${r.errors}`;

const targetName = { bare: 'bare Koa      ', http: 'bare node:http', hit: 'frontend (hit)' };

/**
 * Peak GET /info/1 throughput: the bare Koa twin, the bare node:http twin (the ceiling) and the frontend's cache
 * hit, one after the other, `rounds` times.
 */
export async function cacheHitPeak(ctx) {
  const { plan, log } = ctx;
  const targets = {
    bare: `${ctx.bare.url}/info/1`,
    http: `${ctx.bareHttp.url}/info/1`,
    hit: `${ctx.fe}/info/1`,
  };
  const rounds = { bare: [], http: [], hit: [] };
  for (let round = 1; round <= plan.rounds; round++) {
    for (const [name, url] of Object.entries(targets)) {
      await closedLoop({ url, connections: plan.connections, durationS: plan.warmupS });
      const r = await withCpu(ctx, () =>
        closedLoop({ url, connections: plan.connections, durationS: plan.peakS }),
      );
      if (r.ok !== r.responses || r.errors > 0)
        log(`    warning: ${r.responses - r.ok} non-2xx answers, ${r.errors} errors`);
      rounds[name].push(r);
      log(`    round ${round}, ${targetName[name]}: ${describe(r)}`);
    }
  }
  const mean = (rs) => rs.reduce((n, r) => n + r.rps, 0) / rs.length;
  return {
    rounds,
    bareRps: mean(rounds.bare),
    httpRps: mean(rounds.http),
    hitRps: mean(rounds.hit),
    ratio: mean(rounds.hit) / mean(rounds.bare),
    httpRatio: mean(rounds.hit) / mean(rounds.http),
  };
}

/** GET /info/1 at a fixed arrival rate on the frontend, then on the bare twin (the generator's own share). */
export async function cacheHitAtRate(ctx, rate) {
  const run = (origin) =>
    withCpu(ctx, () => openLoop({ origin, path: '/info/1', rate, durationS: ctx.plan.halfS }));
  const before = await scrapeRuntime(ctx.fePod.metricsUrl);
  const frontend = await run(ctx.fe);
  frontend.runtime = runtimeBetween(before, await scrapeRuntime(ctx.fePod.metricsUrl));
  const { gc, eventLoopDelayMs: eld } = frontend.runtime;
  ctx.log(`    frontend at ${perSecond(rate)}: ${describeFixed(frontend)}, ${frontend.hits} hits`);
  ctx.log(
    `      in the frontend: ${gc.minor.count} minor GCs (${gc.minor.ms.toFixed(0)} ms, ${gc.minor.meanMs.toFixed(2)} ms each), ` +
      `${gc.major.count + gc.incremental.count} major/incremental (${(gc.major.ms + gc.incremental.ms).toFixed(0)} ms); ` +
      `event-loop delay p99 ${eld.p99.toFixed(2)} ms, max ${eld.max.toFixed(2)} ms`,
  );
  const bare = await run(ctx.bare.url);
  ctx.log(`    bare Koa at ${perSecond(rate)}: ${describeFixed(bare)}`);
  return { rate, frontend, bare };
}

const describeFixed = (r) =>
  `answered ${perSecond(r.achieved)}, p50 ${ms(r.latency.p50)}, p90 ${ms(r.latency.p90)}, p99 ${ms(r.latency.p99)}, ` +
  `max ${ms(r.latency.max)}, errors ${r.errors}; the generator used ${r.generatorCpu.toFixed(0)}% of a CPU`;

const randomId = (books) => () => `/info/${1 + Math.floor(Math.random() * books)}`;
const cacheIs = (want) => (status, headers) => status === 200 && headers['x-cache'] === want;

/** First pages of the two seed topics, with limits 41–50: twenty cache keys for the same kind of query. */
function searchPaths() {
  const paths = [TOPICS[0], TOPICS[1]].flatMap((t) =>
    Array.from({ length: 10 }, (_, i) => `/search/${encodeURIComponent(t)}?limit=${41 + i}`),
  );
  let turn = 0;
  return () => paths[turn++ % paths.length];
}

/**
 * Latency of an info miss, an info hit and a search miss with `books` books in the catalog, at light load, once
 * the database is quiet (checkpoint done, replica caught up); plus the queries' own execution time on the replica.
 */
export async function scalePoint(ctx, books) {
  const { plan, topo } = ctx;
  await quiesce(topo);
  const base = { connections: plan.probeConnections, durationMs: plan.probeMs };
  const miss = { ...base, origin: ctx.missPod.url, keep: cacheIs('MISS') };
  await probe({ ...miss, durationMs: 1_000, nextPath: randomId(books) }); // warm-up, not counted
  const infoMiss = await probe({ ...miss, nextPath: randomId(books) });
  const infoHit = await probe({ ...base, origin: ctx.fe, nextPath: () => '/info/1', keep: cacheIs('HIT') });
  const searchMiss = await probe({ ...miss, nextPath: searchPaths() });
  const db = await queryTimes(topo.cluster, books);
  const point = {
    books,
    infoMiss: infoMiss.latency,
    infoHit: infoHit.latency,
    searchMiss: searchMiss.latency,
    db,
  };
  const show = (l) => `p50 ${ms(l.p50)} p99 ${ms(l.p99)} (${l.count})`;
  ctx.log(
    `    ${books.toLocaleString('en')} books: info miss ${show(point.infoMiss)}; info hit ${show(point.infoHit)}; ` +
      `search miss ${show(point.searchMiss)}; on the replica: info ${ms(db.info)}, search ${ms(db.search)}`,
  );
  return point;
}

/**
 * Lets the database settle after bulk writes: a checkpoint on the primary, the replica caught up, and a
 * restartpoint on the replica, so neither flushes gigabytes in the middle of the next measurement.
 */
export async function quiesce(topo) {
  await topo.cluster.query('primary', 'CHECKPOINT');
  await topo.cluster.waitReplicaCaughtUp(60_000);
  await topo.cluster.query('replica', 'CHECKPOINT');
}

/** Warms the miss path (frontend, catalog pods, replica) before the first size is measured. */
export async function warmMissPath(ctx, durationMs) {
  await probe({
    connections: ctx.plan.probeConnections,
    durationMs,
    origin: ctx.missPod.url,
    nextPath: randomId(7),
  });
  await probe({
    connections: ctx.plan.probeConnections,
    durationMs,
    origin: ctx.missPod.url,
    nextPath: searchPaths(),
  });
}

/** Median execution time (EXPLAIN ANALYZE, ms) on the replica of the catalog's info and search queries. */
async function queryTimes(cluster, books, samples = 15) {
  const run = async (sql, params) => {
    const rows = await cluster.query('replica', `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params, 'catalog');
    return rows[0]['QUERY PLAN'][0]['Execution Time'];
  };
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const info = [];
  const search = [];
  for (let i = 0; i < samples; i++) {
    info.push(
      await run('SELECT id, title, topic, price, quantity, version FROM books WHERE id = $1', [
        1 + Math.floor(Math.random() * books),
      ]),
    );
    search.push(
      await run(
        'SELECT id, title FROM books WHERE lower(topic) = lower($1) AND id > $2 ORDER BY lower(topic), id LIMIT $3',
        [TOPICS[i % 2], 0, 51],
      ),
    );
  }
  return { info: median(info), search: median(search) };
}

/** GET /info/1..count once each on the frontend: every request a miss, and afterwards `count` entries cached. */
export async function missPathFill(ctx, count) {
  const before = (await callJson('GET', `${ctx.fe}/cache/stats`)).body;
  let next = 0;
  const r = await withCpu(ctx, () =>
    closedLoop({
      url: ctx.fe,
      connections: ctx.plan.connections,
      amount: count,
      nextPath: () => `/info/${++next}`,
    }),
  );
  const after = (await callJson('GET', `${ctx.fe}/cache/stats`)).body;
  const misses = after.misses - before.misses;
  ctx.log(
    `    ${count.toLocaleString('en')} distinct ids: ${describe(r)}; misses ${misses}, entries now ${after.entries}`,
  );
  return { ...r, misses, entries: after.entries };
}

/** The frontend's memory now, after `settleMs` of quiet (timers and lazy sweeps run, nothing forced). */
export async function frontendMemory(ctx, settleMs = 2_000) {
  await sleep(settleMs);
  const stats = (await callJson('GET', `${ctx.fe}/cache/stats`)).body;
  return {
    entries: stats.entries,
    ...(await residentMiB(ctx.fePod.pid)),
    ...(await heapMiB(ctx.fePod.metricsUrl)),
  };
}

/**
 * The same fill on an idle frontend pod of the topology whose V8 old space is capped through NODE_OPTIONS
 * (`flags`): how much of the RSS is heap headroom that V8 keeps after a burst rather than live data.
 */
export async function cappedHeapMemory(ctx, pod, flags) {
  let next = 0;
  const fill = await closedLoop({
    url: pod.url,
    connections: ctx.plan.connections,
    amount: ctx.plan.cachedEntries,
    nextPath: () => `/info/${++next}`,
  });
  await sleep(2_000);
  const stats = (await callJson('GET', `${pod.url}/cache/stats`)).body;
  const memory = {
    entries: stats.entries,
    ...(await residentMiB(pod.pid)),
    ...(await heapMiB(pod.metricsUrl)),
  };
  ctx.log(
    `    with NODE_OPTIONS=${flags}: RSS ${memory.rss.toFixed(0)} MiB with ${memory.entries.toLocaleString('en')} ` +
      `entries (heap used ${memory.heapUsed.toFixed(0)} MiB of ${memory.heapTotal.toFixed(0)}); the fill ran at ${perSecond(fill.rps)}`,
  );
  return { flags, fillRps: fill.rps, fillLatency: fill.latency, ...memory };
}
