// CPU profiles under load, through ../cpu-profile-preload.mjs (SIGUSR2 starts and stops V8's profiler in a pod):
// - cache hits: the frontend pod under test and a fresh bare Koa process serve the same GET under the same load;
// - purchases: the topology's own frontend, order and catalog pods (started with the preload, idle until
//   signalled) while purchases run on 1,000 books.
// Each is reported as CPU time per request, by origin (node core, each package, Bazar's code, GC) and function.
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { withCpu } from './cpu-accounting.mjs';
import { summarizeProfile } from './cpuprofile.mjs';
import { callJson, repoRoot, startBareKoa } from './harness.mjs';
import { closedLoop } from './http-load.mjs';
import { spreadRun } from './purchases.mjs';

const preload = join(repoRoot, 'loadtest/bench/cpu-profile-preload.mjs');

/** Environment that makes a process profilable into `dir`. */
export const profilingEnv = (dir) => ({ NODE_OPTIONS: `--import ${preload}`, BAZAR_CPU_PROFILE_DIR: dir });

const count = async (dir) => (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile')).length;

/** Profiles the processes `targets` ([{ pid, dir }]) while `work` runs; resolves to work's result. */
async function whileProfiling(targets, work) {
  const before = await Promise.all(targets.map((t) => count(t.dir)));
  targets.forEach((t) => process.kill(t.pid, 'SIGUSR2'));
  const result = await work();
  targets.forEach((t) => process.kill(t.pid, 'SIGUSR2'));
  for (const deadline = Date.now() + 15_000; Date.now() < deadline; await sleep(100)) {
    const now = await Promise.all(targets.map((t) => count(t.dir)));
    const written = targets.map((t, i) => now[i] - before[i]);
    const expected = targets.map((t) => targets.filter((u) => u.dir === t.dir).length);
    if (written.every((n, i) => n >= expected[i])) return result;
  }
  throw new Error('a CPU profile was not written within 15 s');
}

/** Per-operation view of a summarised profile: µs of CPU per operation, overall, by origin and by function. */
function perOperation(summary, operations) {
  const micros = (share) => (share * summary.busyMs * 1000) / operations;
  const withMicros = (list) => list.map((x) => ({ ...x, micros: micros(x.share) }));
  return {
    cpuMicrosPerRequest: (summary.busyMs * 1000) / operations,
    origins: withMicros(summary.origins),
    functions: withMicros(summary.functions),
    inclusive: withMicros(summary.inclusive),
  };
}

async function profiledCacheHits(ctx, dir, server) {
  const url = `${server.url}/info/1`;
  await closedLoop({ url, connections: ctx.plan.connections, durationS: 1 });
  const load = await whileProfiling([{ pid: server.pid, dir }], () =>
    closedLoop({ url, connections: ctx.plan.connections, durationS: ctx.plan.profileS }),
  );
  const summary = perOperation(await summarizeProfile(dir, 40), load.responses);
  await server.stop();
  return { rps: load.rps, requests: load.responses, ...summary };
}

export async function profileCacheHits(ctx) {
  const root = await mkdtemp(join(tmpdir(), 'bazar-bench-prof-'));
  try {
    await mkdir(join(root, 'bare'));
    // The pod under test (its profiler idle until now): a pod started apart from the topology holds no cache
    // lease from the catalog pods, so every one of its reads would be a miss. Its profile is taken out of the
    // pod's profile directory afterwards, so that the purchases' profile of the same pod holds only theirs.
    const dir = join(ctx.profileRoot, 'frontend');
    const written = new Set(await readdir(dir));
    const fe = {
      url: ctx.fe,
      pid: ctx.fePod.pid,
      stop: async () => {
        for (const f of await readdir(dir)) if (!written.has(f)) await rm(join(dir, f));
      },
    };
    const frontend = await profiledCacheHits(ctx, dir, fe);
    const book = (await callJson('GET', `${ctx.fe}/info/1`)).body;
    const bare = await profiledCacheHits(
      ctx,
      join(root, 'bare'),
      await startBareKoa(book, profilingEnv(join(root, 'bare'))),
    );
    ctx.log(
      `    CPU per request: frontend ${frontend.cpuMicrosPerRequest.toFixed(0)} µs (${frontend.rps.toFixed(0)}/s), ` +
        `bare Koa ${bare.cpuMicrosPerRequest.toFixed(0)} µs (${bare.rps.toFixed(0)}/s)`,
    );
    return { frontend, bare };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** Profiles the topology's pods (started with profilingEnv(<profileRoot>/<service>)) during purchases. */
export async function profilePurchases(ctx) {
  const { topo, plan, profileRoot } = ctx;
  const services = { frontend: [topo.frontends[0]], order: topo.orders, catalog: topo.catalogs };
  const targets = Object.entries(services).flatMap(([name, pods]) =>
    pods.map((p) => ({ pid: p.pid, dir: join(profileRoot, name) })),
  );
  const run = await whileProfiling(targets, () =>
    withCpu(ctx, () =>
      spreadRun({ topo, fe: ctx.fe, books: 1_000, connections: plan.connections, durationS: plan.diagnoseS }),
    ),
  );
  const out = { purchases: run.created, rps: run.purchasesPerSecond, cpu: run.cpu, services: {} };
  for (const name of Object.keys(services)) {
    const summary = await summarizeProfile(join(profileRoot, name), 40);
    // CPU time from /proc: the profile's own clock also counts time spent off the CPU inside system calls.
    const cpuMicros = ((run.cpu.byGroup[`${name} pods`] ?? 0) * 1000) / run.created;
    out.services[name] = { ...perOperation(summary, run.created), cpuMicros };
  }
  ctx.log(
    `    CPU per purchase (/proc): ${Object.entries(out.services)
      .map(([name, s]) => `${name} ${s.cpuMicros.toFixed(0)} µs`)
      .join(', ')} (${run.created} purchases at ${run.purchasesPerSecond.toFixed(0)}/s)`,
  );
  return out;
}
