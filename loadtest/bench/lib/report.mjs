// docs/benchmarks.md (formatted with the repository's Prettier settings) and docs/benchmarks.svg from one run's
// results, plus the raw results as loadtest/results/bench.json.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import * as prettier from 'prettier';
import { chartSvg } from './chart.mjs';
import { repoRoot } from './harness.mjs';
import { reportSections } from './report-sections.mjs';
import { ms, thousands } from './stats.mjs';

const MB = 1024 ** 2 / 1e6; // MiB → MB (10^6 bytes), the unit of the target

/** Each target with what was measured and whether it holds. */
export function verdicts(r) {
  const p = r.purchases;
  const scaleP50 = r.scale.map((s) => s.infoMiss.p50);
  // Flat: the largest catalog's median no more than 1.5× the smallest's (a lower one is warm-up, not growth), and
  // the query itself well under a millisecond at every size.
  const growth = scaleP50[scaleP50.length - 1] / scaleP50[0];
  const flat = growth <= 1.5 && r.scale.every((s) => s.db.info < 1);
  const first = r.scale[0];
  const last = r.scale[r.scale.length - 1];
  return [
    {
      target: 'cache-hit throughput ≥ 1.0× bare Koa',
      measured:
        `${thousands(r.peak.hitRps)}/s vs ${thousands(r.peak.bareRps)}/s = **${r.peak.ratio.toFixed(2)}×**; ` +
        `bare node:http (the ceiling) ${thousands(r.peak.httpRps)}/s, the hit ${r.peak.httpRatio.toFixed(2)}× of it`,
      met: r.peak.ratio >= 1,
    },
    {
      target: "cache-hit p99 at half of peak ≤ 2× bare Koa's at the same rate",
      measured: `p99 **${ms(r.half.frontend.latency.p99)}** at ${thousands(r.half.rate)}/s, bare Koa ${ms(r.half.bare.latency.p99)}: **${(r.half.frontend.latency.p99 / r.half.bare.latency.p99).toFixed(2)}×**`,
      met: r.half.frontend.latency.p99 <= 2 * r.half.bare.latency.p99,
    },
    {
      target: 'hot-book purchases ≥ 1.0× pgbench, zero oversell',
      measured:
        `${p.throughput.purchasesPerSecond.toFixed(0)}/s vs ${p.pgbench.tps.toFixed(0)} tps = **${p.ratio.toFixed(2)}×**; ` +
        `${p.throughput.oversold || p.sellOuts.some((so) => so.oversold) ? '**OVERSOLD**' : 'no oversell'}, ` +
        `${p.throughput.reconciled && p.sellOuts.every((so) => so.reconciled) ? 'stock and orders reconciled' : '**not reconciled**'}`,
      met:
        p.ratio >= 1 &&
        !p.throughput.oversold &&
        p.throughput.reconciled &&
        p.sellOuts.every((so) => !so.oversold && so.reconciled),
    },
    {
      target: 'sell-outs: zero 5xx at the first attempt, exactly the stock bought',
      measured: p.sellOuts
        .map(
          (so) =>
            `${so.buyers} buyers / ${so.stock} copies: ${so.created} × 201, ${so.soldOut} × 409, **${so.serverErrors} × 5xx**, p50 ${so.latency.p50.toFixed(0)} ms, p99 ${so.latency.p99.toFixed(0)} ms`,
        )
        .join('; '),
      met: p.sellOuts.every((so) => so.serverErrors === 0 && so.created === so.stock && so.reconciled),
    },
    {
      target: "frontend RSS ≤ 150 MB at 100,000 entries, Node's defaults",
      measured: r.memory
        ? `**${(r.memory.rss * MB).toFixed(0)} MB** with ${thousands(r.memory.entries)} entries (${(r.memoryBefore.rss * MB).toFixed(0)} MB before filling)` +
          (r.memoryCapped
            ? `; ${(r.memoryCapped.rss * MB).toFixed(0)} MB with \`${r.memoryCapped.flags}\``
            : '')
        : 'not measured',
      met: r.memory ? r.memory.rss * MB <= 150 && r.memory.entries >= r.plan.cachedEntries : false,
    },
    {
      target: `info latency flat from ${thousands(first.books)} to ${thousands(last.books)} books`,
      measured:
        `miss p50 ${scaleP50.map(ms).join(' → ')} (largest/smallest ${growth.toFixed(2)}×); ` +
        `hit p50 ${ms(first.infoHit.p50)} → ${ms(last.infoHit.p50)}; ` +
        `the query itself ${ms(first.db.info)} → ${ms(last.db.info)}`,
      met: flat,
    },
  ];
}

export async function writeReport(results, outDir) {
  await mkdir(outDir, { recursive: true });
  await mkdir(join(repoRoot, 'loadtest/results'), { recursive: true });
  const svgFile = join(outDir, 'benchmarks.svg');
  const mdFile = join(outDir, 'benchmarks.md');
  const jsonFile = join(repoRoot, 'loadtest/results/bench.json');
  await writeFile(svgFile, chartSvg(chartData(results)));
  const markdown = reportSections(results, verdicts(results), 'benchmarks.svg').join('\n\n') + '\n';
  const options = (await prettier.resolveConfig(mdFile)) ?? {};
  await writeFile(mdFile, await prettier.format(markdown, { ...options, filepath: mdFile }));
  await writeFile(jsonFile, JSON.stringify(results, null, 2));
  return [mdFile, svgFile, jsonFile].map((f) => relative(repoRoot, f));
}

function chartData(r) {
  const sizes = r.scale.map((s) => s.books);
  const pick = (key, stat) => r.scale.map((s) => s[key][stat]);
  return {
    bars: [
      { label: 'bare node:http, same JSON', value: r.peak.httpRps, color: '#616161' },
      { label: 'bare Koa, same JSON', value: r.peak.bareRps, color: '#9e9e9e' },
      { label: 'frontend, cache hit', value: r.peak.hitRps, color: '#2e7d32' },
      { label: 'frontend, cache miss', value: r.fill?.rps ?? NaN, color: '#1565c0' },
      { label: 'pgbench, one-row update', value: r.purchases.pgbench.tps, color: '#9e9e9e' },
      { label: 'frontend, purchases', value: r.purchases.throughput.purchasesPerSecond, color: '#ef6c00' },
    ].filter((b) => Number.isFinite(b.value) && b.value > 0),
    latency: {
      sizes,
      series: [
        { label: 'info miss p50', color: '#1565c0', values: pick('infoMiss', 'p50') },
        { label: 'info miss p99', color: '#1565c0', dashed: true, values: pick('infoMiss', 'p99') },
        { label: 'search miss p50', color: '#ef6c00', values: pick('searchMiss', 'p50') },
        { label: 'search miss p99', color: '#ef6c00', dashed: true, values: pick('searchMiss', 'p99') },
        { label: 'info hit p50', color: '#2e7d32', values: pick('infoHit', 'p50') },
        { label: 'info hit p99', color: '#2e7d32', dashed: true, values: pick('infoHit', 'p99') },
      ],
    },
    caption: `npm run bench, ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC, ${r.machine.cpus} CPUs, Node ${r.machine.node}; ${r.plan.connections} connections for throughput, ${r.plan.probeConnections} for latency`,
  };
}
