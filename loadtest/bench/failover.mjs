#!/usr/bin/env node
// `npm run loadtest:failover`: the replica-failover k6 scenario against a topology on this machine, with the
// failures induced from outside while it runs (k6 cannot kill pods): a catalog pod, then the Postgres replica,
// then an order pod are SIGKILLed and later restarted, mid-run. Exits with k6's status, so a client-visible
// failure beyond one retry (or a hang) fails it.
//   --duration 60   seconds of steady load (the failures are spread over it)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { BazarTopology, exitOnSignals, repoRoot } from './lib/harness.mjs';
import { k6Path, runScenario } from './lib/k6.mjs';

const { values: args } = parseArgs({ options: { duration: { type: 'string', default: '60' } } });
const durationS = Number(args.duration);
if (!Number.isInteger(durationS) || durationS < 20) throw new Error('--duration must be a whole number ≥ 20');

const started = performance.now();
const log = (line) =>
  process.stdout.write(`[${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}\n`);

/** What happens when, as fractions of the run: each failure lasts a tenth of it. */
function schedule(topo) {
  const [catalog, order] = [topo.catalogs[1], topo.orders[0]];
  return [
    [0.15, `SIGKILL ${catalog.name}`, () => catalog.kill('SIGKILL')],
    [0.25, `restart ${catalog.name}`, () => catalog.start()],
    [0.4, 'SIGKILL the Postgres replica', () => topo.cluster.killReplica()],
    [0.5, 'restart the Postgres replica', () => topo.cluster.startReplica()],
    [0.65, `SIGKILL ${order.name}`, () => order.kill('SIGKILL')],
    [0.75, `restart ${order.name}`, () => order.start()],
  ];
}

async function induceFailures(topo) {
  const t0 = performance.now();
  for (const [at, what, act] of schedule(topo)) {
    await sleep(Math.max(0, t0 + at * durationS * 1000 - performance.now()));
    log(what);
    await act();
  }
}

async function main() {
  exitOnSignals(log);
  const k6 = await k6Path();
  const logDir = await mkdtemp(join(tmpdir(), 'bazar-failover-logs-'));
  log('starting Postgres primary + synchronous replica, 2 catalog, 2 order pods and a frontend');
  const topo = await BazarTopology.start({ frontends: 1, logDir, env: { LOG_LEVEL: 'warn' } });
  let code = 1;
  try {
    log(`k6 replica-failover.ts for ${durationS} s against ${topo.frontends[0].url} (pod logs: ${logDir})`);
    const env = { BASE_URL: topo.frontends[0].url, DURATION: `${durationS}s` };
    const run = runScenario(k6, 'replica-failover', env, {
      indent: '    ',
      resultsDir: join(repoRoot, 'loadtest/results'),
    });
    // setup() checks readiness first; give it a moment before the clock of the schedule starts.
    await sleep(1_000);
    [{ code }] = await Promise.all([run, induceFailures(topo)]);
    log(`k6 exited with ${code}`);
    return code;
  } finally {
    await topo.stop();
    if (code === 0) await rm(logDir, { recursive: true, force: true });
    else log(`pod logs kept in ${logDir}`);
  }
}

main().then(
  (code) => process.exit(code ?? 1),
  (err) => {
    process.stderr.write(`failover: ${err.stack ?? err}\n`);
    process.exit(1);
  },
);
