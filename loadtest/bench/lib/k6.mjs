// Running one of the k6 scenarios from the bench and reading its JSON summary back.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { promisify } from 'node:util';
import { repoRoot } from './harness.mjs';

/** Path of the pinned k6 (installs it into the cache on first use; see loadtest/install-k6.sh). */
export async function k6Path() {
  const { stdout } = await promisify(execFile)('bash', [join(repoRoot, 'loadtest/install-k6.sh')], {
    cwd: repoRoot,
    maxBuffer: 1 << 20,
  });
  return stdout.trim().split('\n').pop();
}

/**
 * Runs loadtest/scenarios/<scenario>.ts with the given -e variables; its text summary is printed with `indent`.
 * The JSON summary goes to `resultsDir` (kept) or a temp dir (removed). Resolves to k6's exit code and the parsed
 * summary (null if none was written).
 */
export async function runScenario(k6, scenario, env, { indent = '      ', resultsDir } = {}) {
  const dir = resultsDir ?? (await mkdtemp(join(tmpdir(), 'bazar-bench-k6-')));
  const args = ['run', '--quiet', '--no-color', '-e', `RESULTS_DIR=${dir}`];
  for (const [k, v] of Object.entries(env)) args.push('-e', `${k}=${v}`);
  args.push(join(repoRoot, 'loadtest/scenarios', `${scenario}.ts`));
  const child = spawn(k6, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  const print = (chunk) =>
    process.stdout.write(
      chunk
        .toString()
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => `${indent}${l}\n`)
        .join(''),
    );
  child.stdout.on('data', print);
  child.stderr.on('data', print);
  const [code] = await once(child, 'exit');
  try {
    const summary = JSON.parse(await readFile(join(dir, `${scenario}.json`), 'utf8'));
    return { code, summary };
  } catch {
    return { code, summary: null };
  } finally {
    if (!resultsDir) await rm(dir, { recursive: true, force: true });
  }
}

/** p50/p99/… (ms) of a trend in a k6 summary, e.g. trend(summary, 'http_req_duration{op:read}'). */
export function trend(summary, metric) {
  const v = summary?.metrics?.[metric]?.values ?? {};
  return { p50: v.med, p90: v['p(90)'], p95: v['p(95)'], p99: v['p(99)'], max: v.max, count: v.count };
}

export function rate(summary, metric) {
  return summary?.metrics?.[metric]?.values?.rate;
}
