// The report's analysis sections: CPU per operation by process, what holds the hot row, the cost of each layer
// of a cache hit, and the CPU profiles of cache hits and purchases.
import { table } from './report-format.mjs';
import { thousands } from './stats.mjs';

/** CPU time per operation by component, from the runs that measured it. */
export function cpuPerOperation(r) {
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

export function holders(r) {
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

export function ladder(r) {
  if (!r.ladder) return '';
  const base = {
    'bare-string': 'bare',
    stack: 'bare',
    cached: 'stack',
    'cached-string': 'cached',
    frontend: 'bare-string',
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
      'lowest round; the highest is in brackets. The last row is the frontend pod under test under the same load.',
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

export function profile(r) {
  const p = r.profile;
  if (!p) return 'No profile was taken in this run.';
  const us = (x) => `${x.toFixed(1)} µs`;
  const { frontend: fe, bare } = p;
  const origins = [
    ...new Set([...fe.origins.slice(0, 12), ...bare.origins.slice(0, 6)].map((o) => o.origin)),
  ];
  const micros = (side, origin) => side.origins.find((o) => o.origin === origin)?.micros ?? 0;
  return [
    "The frontend pod under test and a fresh bare Koa process, each with V8's sampling profiler preloaded " +
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

export function purchaseProfile(r) {
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
