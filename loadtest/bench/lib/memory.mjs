// How much memory a pod uses: resident set size from /proc, and the V8 heap figures its /metrics reports.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import process from 'node:process';
import { promisify } from 'node:util';
import { request } from 'undici';

/** VmRSS and VmHWM (peak RSS) of a process, in MiB. */
export async function residentMiB(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

/** Heap used / total and external memory (MiB) from prom-client's default metrics at <url>/metrics. */
export async function heapMiB(url) {
  const text = await (await request(`${url}/metrics`)).body.text();
  const sample = (name) =>
    Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'm').exec(text)?.[1] ?? NaN);
  const mib = (bytes) => bytes / (1024 * 1024);
  return {
    heapUsed: mib(sample('nodejs_heap_size_used_bytes')),
    heapTotal: mib(sample('nodejs_heap_size_total_bytes')),
    external: mib(sample('nodejs_external_memory_bytes')),
  };
}

/**
 * The cache's entries alone (store-memory.mjs, one fresh process per point): BookCache over the memory store
 * filled with `entries` books, as bytes (today's store) and as objects (the store before issue 12). RSS and heap
 * in MB (10⁶ bytes).
 */
export async function storeMemory(repoRoot, sizes) {
  const points = [];
  for (const entries of sizes)
    for (const store of ['bytes', 'objects']) {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [join(repoRoot, 'loadtest/bench/store-memory.mjs')],
        { cwd: repoRoot, env: { PATH: process.env.PATH, ENTRIES: String(entries), STORE: store } },
      );
      points.push(JSON.parse(stdout));
    }
  return points;
}
