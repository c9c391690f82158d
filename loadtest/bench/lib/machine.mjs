// The machine and tools a report was measured with.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { promisify } from 'node:util';
import { repoRoot } from './harness.mjs';
import { pgBindir } from './purchases.mjs';

const run = promisify(execFile);
const firstLine = (p) =>
  p.then(
    (r) => r.stdout.trim().split('\n')[0],
    () => 'unknown',
  );

export async function describeMachine() {
  const pkg = async (name) =>
    JSON.parse(await readFile(join(repoRoot, 'node_modules', name, 'package.json'), 'utf8')).version;
  const bindir = await pgBindir();
  return {
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: os.totalmem() / 1024 ** 3,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    postgres: await firstLine(run(join(bindir, 'postgres'), ['--version'])),
    pgbench: await firstLine(run(join(bindir, 'pgbench'), ['--version'])),
    autocannon: await pkg('autocannon'),
    koa: await pkg('koa'),
    loadAverage: os.loadavg(),
  };
}
