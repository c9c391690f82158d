// What the bench starts: the Bazar topology from @bazar/harness (real Postgres primary + synchronous replica, two
// catalog and two order pods, one frontend), extra frontend pods started next to it, and the bare Koa twin.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join, resolve } from 'node:path';
import process from 'node:process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import harness from '../../../services/harness/dist/src/index.js';

export const { BazarTopology, ServiceProcess, callJson, freePort } = harness;
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const frontendEntry = join(repoRoot, 'services/frontend/dist/src/main.js');

/** Another frontend pod on the topology's catalog and order pods, with its own settings on top of theirs. */
export async function extraFrontend(topo, name, env, logDir) {
  const pod = new ServiceProcess({
    name,
    entry: frontendEntry,
    port: await freePort(),
    metricsPort: await freePort(),
    env: { ...topo.envFor('frontend', name), ...env },
    logFile: logDir ? join(logDir, `${name}.log`) : undefined,
  });
  await pod.start();
  return pod;
}

/**
 * A Node server script of the bench (bare-koa.mjs, ladder-server.mjs) in its own process, answering `body`;
 * resolves once it listens. `env` adds to its environment (e.g. NODE_OPTIONS, VARIANT).
 */
export async function startBenchServer(script, body, env = {}) {
  const child = spawn(process.execPath, [join(repoRoot, 'loadtest/bench', script)], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, ...env, BODY_JSON: JSON.stringify(body), PORT: String(await freePort()) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Never outlive the bench, however it ends.
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  const lines = createInterface({ input: child.stdout });
  const [line] = await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(([code]) => Promise.reject(new Error(`${script} exited with ${code}`))),
  ]);
  const port = Number(/listening (\d+)/.exec(line)?.[1]);
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid,
    stop: async () => {
      process.off('exit', kill);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

/** The bare Koa twin (bare-koa.mjs): the same JSON as a cached GET /info/:id, and nothing else. */
export const startBareKoa = (body, env = {}) => startBenchServer('bare-koa.mjs', body, env);

/** The bare node:http twin (bare-http.mjs): the same JSON as bytes prepared once; the machine's ceiling. */
export const startBareHttp = (body, env = {}) => startBenchServer('bare-http.mjs', body, env);

/**
 * Ctrl-C or SIGTERM: exit at once; the harness's exit hooks then stop Postgres (SIGQUIT) and kill every pod, and
 * the bare Koa twin goes with them.
 */
export function exitOnSignals(log) {
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      log(`${signal}: stopping everything this run started`);
      process.exit(130);
    });
  }
}

/** A postgres:// URL for the superuser on the primary (the generator and pgbench use it). */
export function superuserUrl(cluster, database) {
  return cluster.url('primary', database, cluster.superuser, cluster.superuserPassword);
}
