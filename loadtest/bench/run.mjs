#!/usr/bin/env node
// `npm run bench`: one bounded run that starts what it needs on this machine (Postgres primary + synchronous
// replica, two catalog and two order pods, the frontend under test, a one-entry-cache frontend, the bare Koa
// twin), measures everything side by side, and writes docs/benchmarks.md (+ docs/benchmarks.svg).
//   --quick   shorter runs and a 10,000-book top size, written to loadtest/results/ instead of docs/ (for trying
//             the bench itself; its numbers are not the report's)
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setTimeout } from 'node:timers';
import { parseArgs } from 'node:util';
import { generateCatalog } from './generate-catalog.mjs';
import {
  BazarTopology,
  callJson,
  exitOnSignals,
  extraFrontend,
  repoRoot,
  startBareHttp,
  startBareKoa,
  superuserUrl,
} from './lib/harness.mjs';
import { withCpu } from './lib/cpu-accounting.mjs';
import { describeMachine } from './lib/machine.mjs';
import {
  cacheHitAtRate,
  cacheHitPeak,
  cappedHeapMemory,
  frontendMemory,
  missPathFill,
  scalePoint,
  warmMissPath,
} from './lib/measure.mjs';
import { storeMemory } from './lib/memory.mjs';
import { profileCacheHits, profilePurchases, profilingEnv } from './lib/profile.mjs';
import { costLadder } from './lib/ladder.mjs';
import { measurePurchases } from './lib/purchase-bench.mjs';
import { writeReport } from './lib/report.mjs';

const { values: args } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });

const full = {
  connections: 32,
  rounds: 2,
  warmupS: 2,
  peakS: 8,
  halfS: 15,
  probeConnections: 4,
  probeMs: 5_000,
  purchaseS: 10,
  pgbenchS: 10,
  // sell-outs: `buyers` at once (one purchase each, no key) for `stock` copies
  sellOuts: [
    { buyers: 64, stock: 16 },
    { buyers: 200, stock: 50 },
    { buyers: 1_000, stock: 200 },
  ],
  sizes: [7, 1_000, 100_000, 1_000_000],
  cachedEntries: 100_000,
  // the entries alone, in a process of their own (store-memory.mjs)
  storeSizes: [100_000, 1_000_000],
  profileS: 6,
  ladderS: 3,
  ladderRounds: 3,
  diagnoseS: 5,
  out: join(repoRoot, 'docs'),
};
const quick = {
  ...full,
  rounds: 1,
  warmupS: 1,
  peakS: 3,
  halfS: 5,
  probeMs: 1_500,
  purchaseS: 3,
  pgbenchS: 3,
  sellOuts: [
    { buyers: 64, stock: 16 },
    { buyers: 200, stock: 50 },
  ],
  sizes: [7, 1_000, 10_000],
  cachedEntries: 10_000,
  profileS: 2,
  ladderS: 2,
  ladderRounds: 1,
  diagnoseS: 2,
  out: join(repoRoot, 'loadtest/results'),
};
const plan = args.quick ? quick : full;
const cappedHeapFlags = '--max-old-space-size=96';

const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s`;
const log = (line) => process.stdout.write(`${line}\n`);
const stepCount = 8;
let stepNo = 0;
const step = (what) => log(`[${elapsed()}] (${++stepNo}/${stepCount}) ${what}`);

async function main() {
  exitOnSignals(log);
  step('the machine and tools');
  const machine = await describeMachine();
  log(
    `    ${machine.cpus} CPUs, ${machine.memoryGiB.toFixed(1)} GiB, Node ${machine.node}, ${machine.postgres}; load average ${machine.loadAverage.map((l) => l.toFixed(2)).join(' ')}`,
  );

  step('starting Postgres primary + synchronous replica, 2 catalog, 2 order and 2 frontend pods, bare Koa');
  const logDir = await mkdtemp(join(tmpdir(), 'bazar-bench-logs-'));
  const profileRoot = join(logDir, 'profiles');
  await Promise.all(
    ['frontend', 'order', 'catalog'].map((s) => mkdir(join(profileRoot, s), { recursive: true })),
  );
  const topo = await BazarTopology.start({
    // frontend-1 is the capped-heap pod of the memory step: a topology pod, so the catalog pods lease to it.
    frontends: 2,
    frontendEnvAt: (i) => (i === 1 ? { NODE_OPTIONS: cappedHeapFlags } : undefined),
    logDir,
    env: { LOG_LEVEL: 'warn' },
    // Room for every generated book, and no expiry while the bench runs. The profiler preload stays idle until the
    // last step signals it.
    frontendEnv: {
      CACHE_MAX_ENTRIES: String(plan.cachedEntries),
      CACHE_TTL_MS: '900000',
      ...profilingEnv(join(profileRoot, 'frontend')),
    },
    orderEnv: profilingEnv(join(profileRoot, 'order')),
    catalogEnv: profilingEnv(join(profileRoot, 'catalog')),
    onProgress: (what, took) => log(`    ✓ ${what} (${(took / 1000).toFixed(1)} s)`),
  });
  const ctx = { topo, plan, log, profileRoot, fe: topo.frontends[0].url, fePod: topo.frontends[0], logDir };
  const extra = [];
  try {
    ctx.missPod = await extraFrontend(topo, 'frontend-miss', { CACHE_MAX_ENTRIES: '1' }, logDir);
    extra.push(ctx.missPod);
    ctx.extraPods = extra;
    const book = (await callJson('GET', `${ctx.fe}/info/1`)).body;
    ctx.bare = await startBareKoa(book);
    ctx.bareHttp = await startBareHttp(book);
    log(
      `    frontend ${ctx.fe}, one-entry-cache frontend ${ctx.missPod.url}, bare Koa ${ctx.bare.url}, ` +
        `bare node:http ${ctx.bareHttp.url}; logs in ${logDir}`,
    );
    const results = await measureAll(ctx);
    results.machine = machine;
    results.machine.loadAverageEnd = loadavg();
    results.totalS = (performance.now() - started) / 1000;
    step(`writing the report`);
    const written = await writeReport(results, plan.out);
    log(`    ${written.join(', ')}`);
  } finally {
    await ctx.bare?.stop();
    await ctx.bareHttp?.stop();
    await Promise.allSettled(extra.map((p) => p.stop()));
    await topo.stop();
    await rm(logDir, { recursive: true, force: true });
  }
  log(`[${elapsed()}] done in ${((performance.now() - started) / 60_000).toFixed(1)} min`);
}

async function measureAll(ctx) {
  const r = { plan: ctx.plan, startedAt: new Date().toISOString(), scale: [] };
  step(
    `cache-hit throughput: bare Koa, bare node:http and the frontend, ${ctx.plan.rounds} × ${ctx.plan.peakS} s each, ${ctx.plan.connections} connections`,
  );
  r.peak = await cacheHitPeak(ctx);
  log(
    `    frontend / bare Koa = ${r.peak.ratio.toFixed(2)}, frontend / bare node:http = ${r.peak.httpRatio.toFixed(2)}`,
  );
  step(`cache-hit latency at half the frontend peak, fixed arrival rate, ${ctx.plan.halfS} s each`);
  r.half = await cacheHitAtRate(ctx, r.peak.hitRps / 2);
  step(
    `catalog growing ${ctx.plan.sizes.map((s) => s.toLocaleString('en')).join(' → ')} books: info and search latency`,
  );
  await warmMissPath(ctx, 3_000);
  for (const books of ctx.plan.sizes) {
    let generated = null;
    if (books > 7) {
      generated = await generateCatalog({ databaseUrl: superuserUrl(ctx.topo.cluster, 'catalog'), books });
      ctx.log(
        `    generated ${generated.inserted.toLocaleString('en')} books in ${(generated.ms / 1000).toFixed(1)} s`,
      );
    }
    r.scale.push({ ...(await withCpu(ctx, () => scalePoint(ctx, books))), generated });
    if (books >= ctx.plan.cachedEntries && !r.fill) {
      ctx.log(
        `    filling the frontend's cache with ${ctx.plan.cachedEntries.toLocaleString('en')} distinct books (the miss path)`,
      );
      r.memoryBefore = await frontendMemory(ctx, 0);
      r.fill = await missPathFill(ctx, ctx.plan.cachedEntries);
      r.memory = await frontendMemory(ctx);
      ctx.log(
        `    frontend RSS ${r.memoryBefore.rss.toFixed(0)} MiB before, ${r.memory.rss.toFixed(0)} MiB with ${r.memory.entries.toLocaleString('en')} entries (heap used ${r.memory.heapUsed.toFixed(0)} MiB)`,
      );
      r.memoryCapped = await cappedHeapMemory(ctx, ctx.topo.frontends[1], cappedHeapFlags);
      r.storeMemory = await storeMemory(repoRoot, ctx.plan.storeSizes);
      for (const p of r.storeMemory)
        ctx.log(
          `    the entries alone, as ${p.store}: RSS ${p.rss.toFixed(0)} MB with ${p.entries.toLocaleString('en')} (heap used ${p.heapUsed.toFixed(0)} MB)`,
        );
    }
  }
  step('purchases through the frontend vs pgbench on the same Postgres pair, a sell-out, no hot row');
  r.purchases = await measurePurchases(ctx);
  step(
    `CPU profiles: cache hits (frontend and bare Koa, ${ctx.plan.profileS} s each), purchases (every pod)`,
  );
  r.profile = await profileCacheHits(ctx);
  log('    what each layer of a cache hit costs (one process at a time, CPU from /proc):');
  r.ladder = await costLadder(ctx);
  r.purchaseProfile = await profilePurchases(ctx);
  return r;
}

const watchdog = setTimeout(() => {
  log(`bench: still running after 25 minutes; giving up`);
  process.exit(2);
}, 25 * 60_000);
watchdog.unref();

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench failed: ${err.stack ?? err}\n`);
    process.exit(1);
  },
);
