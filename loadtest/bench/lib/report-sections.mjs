// The Markdown of docs/benchmarks.md, section by section (report.mjs formats and writes it).
import { ms, thousands } from './stats.mjs';

const MB = 1024 ** 2 / 1e6;
const row = (cells) => `| ${cells.join(' | ')} |`;
const table = (head, rows) => [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');
const lat = (l) => `${ms(l.p50)} / ${ms(l.p99)}`;

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

/** Share of the machine's CPU that processes outside the bench used during a run: the noise. */
function noise(r, cpu) {
  if (!cpu) return '–';
  return `${((cpu.otherMs / (cpu.wallMs * r.machine.cpus)) * 100).toFixed(0)}%`;
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
      what: 'frontend, `GET /info/1`, cache hit',
      load: closed,
      throughput: `${thousands(peak.hitRps)}/s (rounds: ${rounds(peak.rounds.hit)})`,
      latency: lat(peak.rounds.hit.at(-1).latency),
      notes: `${peak.ratio.toFixed(2)}× bare Koa`,
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
  const { throughput: t, pgbench: pgb, storm, spread: sp, ratio } = r.purchases;
  const closed = `closed loop, ${r.plan.connections} connections, ${r.plan.purchaseS} s`;
  const attempts = storm.created + storm.soldOut + Object.values(storm.other).reduce((a, b) => a + b, 0);
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
    {
      what: 'sell-out: more buyers than copies',
      load: `${thousands(attempts)} purchases, ${r.plan.storm.connections} connections`,
      throughput: `${storm.purchasesPerSecond.toFixed(0)}/s`,
      latency: lat(storm.latency),
      notes: `${storm.created} bought of ${storm.stockBefore}, ${storm.soldOut} × 409; ${otherAnswers(storm)}; stock ${storm.stockBefore} → ${storm.stockAfter}, orders +${storm.orders}: ${storm.oversold ? '**oversold**' : 'no oversell'}`,
    },
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

/** CPU time per operation by component, from the runs that measured it. */
function cpuPerOperation(r) {
  const runs = [
    ['bare Koa (peak run)', r.peak.rounds.bare.at(-1), (x) => x.responses],
    ['cache hit (peak run)', r.peak.rounds.hit.at(-1), (x) => x.responses],
    ['cache miss', r.fill, (x) => x.responses],
    ['purchase, no hot row', r.purchases.spread, (x) => x.created],
    ['purchase, one hot book', r.purchases.throughput, (x) => x.created],
  ].filter(([, run]) => run?.cpu);
  // Processes that used next to nothing in every run (idle pods) are left out.
  const groups = [...new Set(runs.flatMap(([, run]) => Object.keys(run.cpu.byGroup)))]
    .filter((g) => runs.some(([, run, ops]) => ((run.cpu.byGroup[g] ?? 0) * 1000) / ops(run) >= 5))
    .sort();
  const cell = (run, ops, group) => {
    const msTotal = run.cpu.byGroup[group] ?? 0;
    return msTotal === 0 ? '–' : `${((msTotal * 1000) / ops(run)).toFixed(0)} µs`;
  };
  return [
    'CPU time per operation, by process, from `/proc` over each run (the load generator included; Postgres ' +
      'counts its postmaster and every backend). On two CPUs the sum bounds the throughput: ' +
      '2 s of CPU per second ÷ CPU per operation.',
    table(
      ['process', ...runs.map(([label]) => label)],
      [
        ...groups.map((g) => [g, ...runs.map(([, run, ops]) => cell(run, ops, g))]),
        [
          '**all of Bazar + generator**',
          ...runs.map(
            ([, run, ops]) =>
              `${((Object.values(run.cpu.byGroup).reduce((a, b) => a + b, 0) * 1000) / ops(run)).toFixed(0)} µs`,
          ),
        ],
      ],
    ),
  ].join('\n\n');
}

function holders(r) {
  const h = r.purchases.holders;
  if (!h) return 'Not sampled in this run.';
  const states = [...new Set([...h.purchases.holders, ...h.pgbench.holders].map((x) => x.state))];
  const share = (side, state) => {
    const found = side.holders.find((x) => x.state === state);
    return found ? `${(found.share * 100).toFixed(0)}%` : '–';
  };
  return [
    `Two more runs of ${r.plan.diagnoseS} s each (not counted above) sampled \`pg_stat_activity\` on the primary every ` +
      '5 ms and, whenever a session waited for a row lock, recorded what the session holding it (`pg_blocking_pids`) ' +
      'was doing. The share of those samples, purchases through the frontend on one book against pgbench on one row:',
    table(
      [
        'the lock holder was',
        `purchases (${h.purchases.contendedSamples} samples)`,
        `pgbench (${h.pgbench.contendedSamples} samples)`,
      ],
      states.map((st) => [st, share(h.purchases, st), share(h.pgbench, st)]),
    ),
  ].join('\n\n');
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
  ].join('\n\n');
}

function profile(r) {
  const p = r.profile;
  if (!p) return 'No profile was taken in this run.';
  const us = (x) => `${x.toFixed(1)} µs`;
  const { frontend: fe, bare } = p;
  const origins = [
    ...new Set([...fe.origins.slice(0, 12), ...bare.origins.slice(0, 6)].map((o) => o.origin)),
  ];
  const micros = (side, origin) => side.origins.find((o) => o.origin === origin)?.micros ?? 0;
  return [
    "A fresh frontend pod and a fresh bare Koa process, each with V8's sampling profiler preloaded " +
      '(`loadtest/bench/cpu-profile-preload.mjs`), served `GET /info/1` under the same closed-loop load ' +
      `(${r.plan.connections} connections, ${r.plan.profileS} s after a warm-up): the frontend ` +
      `${thousands(fe.rps)}/s at **${us(fe.cpuMicrosPerRequest)}** of CPU per request, bare Koa ` +
      `${thousands(bare.rps)}/s at **${us(bare.cpuMicrosPerRequest)}**. CPU time per request by origin ` +
      '(self time: a function\'s own work, not its callees\'; "V8 builtins / native" includes the socket writes):',
    table(
      ['origin', 'frontend', 'bare Koa'],
      origins.map((o) => [o, us(micros(fe, o)), us(micros(bare, o))]),
    ),
    "Time spent inside the frontend's own and its packages' functions, callees included (the middleware chain nests, " +
      'so these overlap):',
    table(
      ['function (file:line)', 'origin', 'CPU per request'],
      (fe.inclusive ?? []).slice(0, 15).map((f) => [`\`${f.name}\``, f.origin, us(f.micros)]),
    ),
    "The frontend's busiest functions by self time:",
    table(
      ['function (file:line)', 'origin', 'CPU per request'],
      fe.functions.slice(0, 15).map((f) => [`\`${f.name}\``, f.origin, us(f.micros)]),
    ),
  ].join('\n\n');
}

function ladder(r) {
  if (!r.ladder) return '';
  const base = {
    'bare-string': 'bare',
    stack: 'bare',
    cached: 'stack',
    'cached-string': 'cached',
    frontend: 'cached',
  };
  const cpu = (v) => r.ladder.find((x) => x.variant === v)?.cpuMicros;
  const delta = (x) => {
    const from = base[x.variant];
    if (!from) return '–';
    const d = x.cpuMicros - cpu(from);
    return `${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(1)} µs vs ${from}`;
  };
  return [
    'What each layer of a cache hit costs: `loadtest/bench/ladder-server.mjs` rebuilds the hit path a layer at a ' +
      "time after the frontend's shape (same packages and settings), each variant alone in its own process under " +
      `the same closed-loop load (${r.plan.connections} connections, ${r.plan.ladderS} s, ${r.plan.ladderRounds} rounds ` +
      'taken in turn), with its CPU per request from `/proc`. Noise only ever adds CPU, so each row keeps its ' +
      'lowest round; the highest is in brackets. The last row is a fresh frontend pod under the same load.',
    table(
      ['variant', 'what it adds', 'throughput', 'server CPU per request', 'difference'],
      r.ladder.map((x) => [
        `\`${x.variant}\``,
        x.label,
        `${thousands(x.rps)}/s`,
        `${x.cpuMicros.toFixed(1)} µs (${x.cpuMax.toFixed(1)})`,
        delta(x),
      ]),
    ),
  ].join('\n\n');
}

function purchaseProfile(r) {
  const p = r.purchaseProfile;
  if (!p) return 'No profile was taken in this run.';
  const pct = (x) => `${(x * 100).toFixed(0)}%`;
  const services = Object.entries(p.services);
  return [
    `The topology's own frontend, order and catalog pods, profiled together (\`cpu-profile-preload.mjs\`, started ` +
      `and stopped by SIGUSR2) while ${thousands(p.purchases)} purchases ran on 1,000 books at ${p.rps.toFixed(0)}/s ` +
      "(no hot row). CPU per purchase comes from `/proc`; the shares are of the profile's samples, whose clock also " +
      'counts time a process spent off the CPU inside a system call (socket writes, mostly), so they show where ' +
      'the time goes rather than exact CPU.',
    table(
      ['service', 'CPU per purchase', 'largest origins (share of samples)'],
      services.map(([name, s]) => [
        name,
        `${s.cpuMicros.toFixed(0)} µs`,
        s.origins
          .slice(0, 5)
          .map((o) => `${o.origin} ${pct(o.share)}`)
          .join(', '),
      ]),
    ),
    "Heaviest functions by self time, and the heaviest of their own or their packages' functions with callees " +
      'included (these nest, so they overlap):',
    table(
      ['service', 'self time', 'callees included'],
      services.map(([name, s]) => [
        name,
        s.functions
          .slice(0, 4)
          .map((f) => `\`${f.name}\` ${pct(f.share)}`)
          .join(', '),
        s.inclusive
          .slice(0, 4)
          .map((f) => `\`${f.name}\` ${pct(f.share)}`)
          .join(', '),
      ]),
    ),
  ].join('\n\n');
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
