// End of a run: the whole summary as JSON in <RESULTS_DIR>/<scenario>.json, and a short text version on stdout
// (thresholds, checks, request rate, latency per op). Each scenario exports `handleSummary = summaryFor(name)`.
import { BASE_URL, RESULTS_DIR } from './config.ts';

interface MetricSummary {
  type: string;
  contains: string;
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}

interface Check {
  name: string;
  passes: number;
  fails: number;
}

interface Group {
  name: string;
  checks: Check[];
  groups: Group[];
}

interface SummaryData {
  metrics: Record<string, MetricSummary>;
  root_group: Group;
  state: { testRunDurationMs: number };
}

export function summaryFor(scenario: string) {
  return (data: SummaryData): Record<string, string> => ({
    stdout: textSummary(scenario, data),
    [`${RESULTS_DIR}/${scenario}.json`]: JSON.stringify({ scenario, baseUrl: BASE_URL, ...data }, null, 2),
  });
}

function textSummary(scenario: string, data: SummaryData): string {
  const lines = [
    '',
    `bazar ${scenario}: ${(data.state.testRunDurationMs / 1000).toFixed(1)} s against ${BASE_URL}`,
    ...thresholdLines(data.metrics),
    ...checkLines(data.root_group),
    ...requestLines(data.metrics),
    `  JSON summary: ${RESULTS_DIR}/${scenario}.json`,
    '',
  ];
  return lines.join('\n');
}

function thresholdLines(metrics: Record<string, MetricSummary>): string[] {
  const out = ['  thresholds'];
  for (const [name, m] of Object.entries(metrics)) {
    for (const [expr, { ok }] of Object.entries(m.thresholds ?? {})) {
      const stat = expr.split(/[<>=!]/)[0]?.trim() ?? '';
      const value = m.values[stat];
      const shown = value === undefined ? '' : `   (${stat}=${format(value, m, stat)})`;
      out.push(`    ${ok ? '✓' : '✗'} ${name}  ${expr}${shown}`);
    }
  }
  return out.length > 1 ? out : [];
}

function checkLines(root: Group): string[] {
  const all: Check[] = [];
  const collect = (g: Group) => {
    all.push(...g.checks);
    g.groups.forEach(collect);
  };
  collect(root);
  const passes = all.reduce((n, c) => n + c.passes, 0);
  const fails = all.reduce((n, c) => n + c.fails, 0);
  const failing = all
    .filter((c) => c.fails > 0)
    .map((c) => `    ✗ ${c.name}: ${c.fails} of ${c.passes + c.fails} failed`);
  return [`  checks      ${passes} of ${passes + fails} passed`, ...failing];
}

function requestLines(metrics: Record<string, MetricSummary>): string[] {
  const reqs = metrics.http_reqs?.values;
  const failed = metrics.http_req_failed?.values;
  const out = reqs
    ? [
        `  requests    ${reqs.count} (${(reqs.rate ?? 0).toFixed(1)}/s), failed ${((failed?.rate ?? 0) * 100).toFixed(2)}%`,
      ]
    : [];
  const trends = Object.entries(metrics).filter(
    ([n]) => /^http_req_duration\{op:\w+\}$/.test(n) || n === 'http_req_duration',
  );
  if (trends.length > 0) out.push('  latency     p50 / p95 / p99 / max (ms)');
  for (const [name, m] of trends) {
    const v = m.values;
    const cells = ['med', 'p(95)', 'p(99)', 'max'].map((s) => (v[s] === undefined ? '-' : v[s].toFixed(1)));
    out.push(
      `    ${name
        .replace('http_req_duration', 'all')
        .replace(/^all\{op:(\w+)\}$/, '$1')
        .padEnd(10)}${cells.join(' / ')}`,
    );
  }
  return out;
}

function format(value: number, m: MetricSummary, stat: string): string {
  if (m.type === 'rate') return `${(value * 100).toFixed(2)}%`;
  if (m.contains === 'time' && stat !== 'count') return `${value.toFixed(1)}ms`;
  return String(Math.round(value * 100) / 100);
}
