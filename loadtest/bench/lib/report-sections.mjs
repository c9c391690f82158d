// The Markdown of docs/benchmarks.md, section by section (report.mjs formats and writes it); the analysis
// sections are in report-analysis.mjs.
import { cpuPerOperation, holders, ladder, profile, purchaseProfile } from './report-analysis.mjs';
import { MB, lat, noise, table } from './report-format.mjs';
import { ms, thousands } from './stats.mjs';

export function reportSections(r, verdicts, chartFile) {
  return [
    header(r),
    `![Throughput of each path, and latency as the catalog grows](${chartFile})`,
    '## Against the targets',
    table(
      ['target', 'measured', 'status'],
      verdicts.map((v) => [v.target, v.measured, v.met ? '✅ met' : '❌ missed']),
    ),
    'Where a target is missed, [performance.md](performance.md) says what costs the time and what would fix it.',
    '## Every measurement',
    measurements(r),
    '## Where the CPU goes',
    cpuPerOperation(r),
    '## What holds the hot row',
    holders(r),
    '## Latency as the catalog grows',
    scale(r),
    '## Frontend memory',
    memory(r),
    '## Where a frontend spends its CPU on cache hits',
    ladder(r),
    profile(r),
    '## Where a purchase spends its CPU',
    purchaseProfile(r),
    '## Machine, tools and settings',
    setup(r),
  ];
}

function header(r) {
  const m = r.machine;
  const load = (l) => l.map((x) => x.toFixed(1)).join(', ');
  return [
    '# Bazar benchmarks',
    `Written by \`npm run bench\` (\`loadtest/bench/run.mjs\`) on ${r.startedAt.slice(0, 10)}; the run took ` +
      `${(r.totalS / 60).toFixed(1)} minutes. Every number comes from that one run, on one ${m.cpus}-CPU machine ` +
      'that runs the load generator, every pod and both Postgres servers at once — so absolute numbers are far ' +
      'below what separate machines or Kubernetes nodes give, and the ratios are what to compare. ' +
      `Load average (1, 5, 15 min) was ${load(m.loadAverage)} at the start and ${load(m.loadAverageEnd)} at the end; ` +
      'anything else running on the machine shows up as noise, mostly in the p99 columns.',
  ].join('\n\n');
}

function measurements(r) {
  const rows = [...cacheRows(r), ...purchaseRows(r)];
  return [
    "The last column is the share of the machine's CPU time that processes outside this benchmark used during " +
      'that run (other builds and tests on a shared machine), from `/proc`.',
    table(
      ['what', 'load', 'throughput', 'p50 / p99', 'notes', 'CPU used by others'],
      rows.map((x) => [x.what, x.load, x.throughput, x.latency, x.notes, noise(r, x.cpu)]),
    ),
  ].join('\n\n');
}

/** GC pauses and event-loop delay inside the frontend during a run, when they were scraped. */
function runtimeNote(rt) {
  if (!rt) return '';
  const { minor, major, incremental } = rt.gc;
  return (
    `; inside the frontend: ${minor.count} minor GCs of ${minor.meanMs.toFixed(2)} ms on average, ` +
    `${major.count + incremental.count} major, event-loop delay p99 ${rt.eventLoopDelayMs.p99.toFixed(1)} ms, ` +
    `max ${rt.eventLoopDelayMs.max.toFixed(1)} ms`
  );
}

function cacheRows(r) {
  const { peak, half, fill } = r;
  const closed = `closed loop, ${r.plan.connections} connections`;
  const rounds = (rs) => rs.map((x) => thousands(x.rps)).join(' and ');
  const atRate = (x) =>
    `p90 ${ms(x.latency.p90)}, max ${ms(x.latency.max)}; the generator used ${x.generatorCpu.toFixed(0)}% of a CPU`;
  const rows = [
    {
      what: 'bare Koa, same JSON (separate process)',
      load: closed,
      throughput: `${thousands(peak.bareRps)}/s (rounds: ${rounds(peak.rounds.bare)})`,
      latency: lat(peak.rounds.bare.at(-1).latency),
      notes: 'the baseline',
      cpu: peak.rounds.bare.at(-1).cpu,
    },
    {
      what: 'bare node:http, same JSON as bytes (separate process)',
      load: closed,
      throughput: `${thousands(peak.httpRps)}/s (rounds: ${rounds(peak.rounds.http)})`,
      latency: lat(peak.rounds.http.at(-1).latency),
      notes: 'the ceiling on this machine',
      cpu: peak.rounds.http.at(-1).cpu,
    },
    {
      what: 'frontend, `GET /info/1`, cache hit',
      load: closed,
      throughput: `${thousands(peak.hitRps)}/s (rounds: ${rounds(peak.rounds.hit)})`,
      latency: lat(peak.rounds.hit.at(-1).latency),
      notes: `${peak.ratio.toFixed(2)}× bare Koa, ${peak.httpRatio.toFixed(2)}× bare node:http`,
      cpu: peak.rounds.hit.at(-1).cpu,
    },
    {
      what: 'frontend, cache hit, at half its peak',
      load: `${thousands(half.rate)}/s fixed arrival rate, ${r.plan.halfS} s`,
      throughput: `${thousands(half.frontend.achieved)}/s`,
      latency: lat(half.frontend.latency),
      notes: `${atRate(half.frontend)}; ${thousands(half.frontend.hits)} hits${runtimeNote(half.frontend.runtime)}`,
      cpu: half.frontend.cpu,
    },
    {
      what: 'bare Koa at the same rate',
      load: `${thousands(half.rate)}/s fixed arrival rate, ${r.plan.halfS} s`,
      throughput: `${thousands(half.bare.achieved)}/s`,
      latency: lat(half.bare.latency),
      notes: `${atRate(half.bare)}: what the machine and the generator add`,
      cpu: half.bare.cpu,
    },
  ];
  if (fill) {
    rows.push({
      what: 'frontend, cache miss (`/info/1…N`, each id once)',
      load: `${closed}, ${thousands(fill.misses)} requests`,
      throughput: `${thousands(fill.rps)}/s`,
      latency: lat(fill.latency),
      notes: 'every request a miss: frontend → catalog pod → replica',
      cpu: fill.cpu,
    });
  }
  return rows;
}

function purchaseRows(r) {
  const { throughput: t, pgbench: pgb, sellOuts, spread: sp, ratio } = r.purchases;
  const closed = `closed loop, ${r.plan.connections} connections, ${r.plan.purchaseS} s`;
  const rows = [
    {
      what: 'frontend, `POST /purchase/2` (one hot book)',
      load: closed,
      throughput: `${t.purchasesPerSecond.toFixed(0)}/s`,
      latency: lat(t.latency),
      notes: `${otherAnswers(t)}; stock taken ${t.taken} = orders ${t.orders}`,
      cpu: t.cpu,
    },
    {
      what: "pgbench, the reservation's `UPDATE … WHERE quantity > 0` on one row",
      load: `${r.plan.connections} clients, ${r.plan.pgbenchS} s, remote_apply`,
      throughput: `${pgb.tps.toFixed(0)} tps`,
      latency: `${pgb.latencyMs.toFixed(1)} ms mean`,
      notes: `${thousands(pgb.updated)} rows updated, ${pgb.failed} failed; purchases = ${ratio.toFixed(2)}× pgbench`,
      cpu: pgb.cpu,
    },
    ...sellOuts.map((so) => ({
      what: `sell-out: ${thousands(so.buyers)} buyers at once for ${so.stock} copies`,
      load: `one purchase each, ${thousands(so.buyers)} connections`,
      throughput: `${so.purchasesPerSecond.toFixed(0)}/s`,
      latency: lat(so.latency),
      notes: `${so.created} × 201, ${so.soldOut} × 409, **${so.serverErrors} × 5xx** at the first attempt; ${otherAnswers(so)}; stock ${so.stockBefore} → ${so.stockAfter}, orders +${so.orders}: ${so.oversold ? '**oversold**' : 'no oversell'}`,
    })),
  ];
  if (sp) {
    rows.push({
      what: 'frontend, `POST /purchase/:id` on 1,000 books at random (no hot row)',
      load: closed,
      throughput: `${sp.purchasesPerSecond.toFixed(0)}/s`,
      latency: lat(sp.latency),
      notes: `the purchase path's own ceiling here; stock taken ${sp.taken} = orders ${sp.orders}`,
      cpu: sp.cpu,
    });
  }
  return rows;
}

function otherAnswers(run) {
  const other = Object.entries(run.other).map(([status, n]) => `${n} × ${status}`);
  return other.length ? `other answers: ${other.join(', ')}` : 'no other answers';
}

function scale(r) {
  const rows = r.scale.map((s) => [
    thousands(s.books),
    s.generated ? `${thousands(s.generated.inserted)} in ${(s.generated.ms / 1000).toFixed(1)} s` : 'seed',
    `${lat(s.infoMiss)} (${thousands(s.infoMiss.count)})`,
    `${lat(s.infoHit)} (${thousands(s.infoHit.count)})`,
    `${lat(s.searchMiss)} (${thousands(s.searchMiss.count)})`,
    `${ms(s.db.info)} / ${ms(s.db.search)}`,
    noise(r, s.cpu),
  ]);
  return [
    `Each cell is p50 / p99 over the answers counted in brackets: ${r.plan.probeConnections} connections, one request at ` +
      `a time each, ${r.plan.probeMs / 1000} s per cell. Misses go to a frontend pod whose cache holds one entry ` +
      '(`CACHE_MAX_ENTRIES=1`), ids drawn at random from the whole catalog, and only answers marked `X-Cache: MISS` ' +
      'count; a search is the first page (41–50 books, twenty cache keys) of a seed topic, which holds 1/20 of the ' +
      'generated books. Books are added by `loadtest/bench/generate-catalog.mjs` (batched INSERTs through `pg`, ' +
      'then VACUUM ANALYZE); each size is measured after a checkpoint, once the replica has caught up, after a ' +
      "1 s warm-up. The query column is the median execution time of the catalog's two queries on the replica " +
      '(`EXPLAIN ANALYZE`, random ids): the database work alone. The last column is the CPU other processes used ' +
      'while that size was measured, as above.',
    table(
      [
        'books',
        'added',
        'info, miss',
        'info, hit',
        'search, miss',
        'query: info / search',
        'CPU used by others',
      ],
      rows,
    ),
  ].join('\n\n');
}

function memory(r) {
  if (!r.memory) return 'Not measured in this run.';
  const cells = (label, m) => [
    label,
    thousands(m.entries),
    (m.rss * MB).toFixed(0),
    (m.peak * MB).toFixed(0),
    (m.heapUsed * MB).toFixed(0),
    (m.heapTotal * MB).toFixed(0),
    (m.external * MB).toFixed(1),
  ];
  const rows = [cells('before the fill', r.memoryBefore), cells('after the fill', r.memory)];
  const capped = r.memoryCapped;
  if (capped) rows.push(cells(`a fresh pod, \`NODE_OPTIONS=${capped.flags}\`, after the same fill`, capped));
  return [
    `Resident set size from \`/proc/<pid>/status\` and V8's heap from the pod's \`/metrics\`, in MB (10⁶ bytes), ` +
      'before and 2 s after the cache-miss run filled the cache with a distinct book per request. Nothing forces ' +
      'a garbage collection, so "heap used" still holds some garbage. The last row repeats the fill on a fresh ' +
      'frontend pod whose V8 old space is capped: the difference is heap V8 keeps after the burst, not live data' +
      (capped
        ? ` (that fill ran at ${thousands(capped.fillRps)}/s against ${thousands(r.fill.rps)}/s).`
        : '.'),
    table(['frontend', 'entries', 'RSS', 'peak RSS', 'heap used', 'heap total', 'external'], rows),
    ...storeMemory(r),
  ].join('\n\n');
}

function storeMemory(r) {
  if (!r.storeMemory) return [];
  const row = (p) => [
    p.store === 'bytes' ? 'serialised bytes (the memory store)' : 'objects (the store before issue 12)',
    thousands(p.entries),
    p.rss.toFixed(0),
    p.heapUsed.toFixed(0),
    p.heapTotal.toFixed(0),
    p.external.toFixed(0),
    `${thousands(p.entries / (p.fillMs / 1000))}/s`,
  ];
  return [
    'The entries alone (`loadtest/bench/store-memory.mjs`): a fresh process fills BookCache over the memory ' +
      'store through `getBook`, 32 fills at a time, each parsing the JSON a catalog pod sends, and is measured ' +
      '2 s later. No HTTP, so this is what the entries cost, not what a pod under load keeps.',
    table(
      ['entries kept as', 'entries', 'RSS', 'heap used', 'heap total', 'external', 'fill rate'],
      r.storeMemory.map(row),
    ),
  ];
}

function setup(r) {
  const m = r.machine;
  return [
    `- **Machine:** ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB.toFixed(1)} GiB memory, ${m.kernel}.`,
    `- **Software:** Node ${m.node}; ${m.postgres}; ${m.pgbench}; autocannon ${m.autocannon}; Koa ${m.koa}.`,
    '- **Topology** (`BazarTopology` from `services/harness`, every pod its own process on loopback): Postgres ' +
      'primary + synchronous streaming replica (fsync on); 2 catalog pods, 2 order pods; the frontend under test with ' +
      `\`CACHE_MAX_ENTRIES=${r.plan.cachedEntries}\` and \`CACHE_TTL_MS=900000\` (nothing expires during the run); ` +
      'a second frontend with `CACHE_MAX_ENTRIES=1` for misses; `LOG_LEVEL=warn`; tracing off. Every other ' +
      'setting is its default (`DB_POOL_MAX=20`, `DB_STATEMENT_TIMEOUT_MS=1500`, `SYNC_COMMIT_DEADLINE_MS=400`, …).',
    '- **Throughput:** autocannon in the bench process, closed loop, after a warm-up; bare Koa and the frontend ' +
      'alternate so drift in the machine hits both.',
    '- **Latency at a fixed rate:** `loadtest/bench/lib/open-loop.mjs` writes prepared GETs on 32 keep-alive ' +
      'sockets on a fixed schedule, and counts each latency from the moment its request was due (so a stall is ' +
      "not hidden by a lower rate). autocannon's rate limit sends each second's quota in a burst, and k6 could not " +
      'reach a few thousand requests per second next to the server on two CPUs.',
    `- **Purchases:** no \`Idempotency-Key\` (each request a new order) on one book with 1,000,000 copies; pgbench ` +
      `runs \`${r.purchases.pgbench.args.replace(/\/tmp\/[^ ]+/, 'reserve.sql')}\` with ` +
      "`PGOPTIONS=-c synchronous_commit=remote_apply`, `reserve.sql` being the reservation's one-row conditional " +
      '`UPDATE books SET quantity = quantity - 1, version = version + 1, updated_at = now() WHERE id = $id AND quantity > 0` ' +
      'on another book. Afterwards the bench waits until stock and orders stop moving, then checks stock taken = ' +
      'order rows (and, for the sell-out, = 201 answers).',
  ].join('\n');
}
