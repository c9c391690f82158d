// Prices each layer of the cache-hit path: ladder-server.mjs variants, and the frontend pod under test for comparison,
// each loaded alone (closed loop, as in the peak run) while /proc counts the server process's CPU per request.
import { processCpuMs } from './cpu-accounting.mjs';
import { callJson, startBenchServer } from './harness.mjs';
import { closedLoop } from './http-load.mjs';

export const LADDER = [
  ['bare', 'bare Koa, object body'],
  ['bare-string', 'bare Koa, body serialised once'],
  ['stack', "+ the frontend's middleware chain and routers"],
  ['cached', '+ id validation, keyv.get on lru.min, tombstone, X-Cache'],
  ['cached-string', 'the same, the cache holding serialised JSON'],
];

async function measure(ctx, server) {
  const url = `${server.url}/info/1`;
  await closedLoop({ url, connections: ctx.plan.connections, durationS: 1 });
  const before = await processCpuMs(server.pid);
  const load = await closedLoop({ url, connections: ctx.plan.connections, durationS: ctx.plan.ladderS });
  const cpuMs = (await processCpuMs(server.pid)) - before;
  return { rps: load.rps, cpuMicros: (cpuMs * 1000) / load.responses, ok: load.ok === load.responses };
}

/**
 * Every variant and the frontend pod under test run side by side (idle ones cost nothing) and are loaded in turn, for
 * `ladderRounds` rounds. Noise on a shared machine only ever adds CPU, so each keeps its lowest CPU per request;
 * the range shows how noisy it was.
 */
export async function costLadder(ctx) {
  const book = (await callJson('GET', `${ctx.fe}/info/1`)).body;
  const servers = [];
  try {
    for (const [variant, label] of LADDER) {
      servers.push({
        variant,
        label,
        server: await startBenchServer('ladder-server.mjs', book, { VARIANT: variant }),
      });
    }
    // The pod under test: one started apart from the topology would hold no cache lease, and only miss.
    servers.push({
      variant: 'frontend',
      label: 'the frontend itself (the pod under test)',
      server: { url: ctx.fe, pid: ctx.fePod.pid, stop: async () => undefined },
    });
    const runs = new Map(servers.map((s) => [s.variant, []]));
    for (let round = 0; round < ctx.plan.ladderRounds; round++) {
      for (const s of servers) runs.get(s.variant).push(await measure(ctx, s.server));
    }
    return servers.map(({ variant, label }) => {
      const all = runs.get(variant);
      const best = all.reduce((a, b) => (b.cpuMicros < a.cpuMicros ? b : a));
      const cpus = all.map((x) => x.cpuMicros);
      const rung = {
        variant,
        label,
        rps: best.rps,
        cpuMicros: best.cpuMicros,
        cpuMax: Math.max(...cpus),
        ok: all.every((x) => x.ok),
      };
      ctx.log(
        `    ${label.padEnd(58)} ${Math.round(rung.rps).toLocaleString('en').padStart(7)}/s  ` +
          `${rung.cpuMicros.toFixed(1).padStart(5)} µs CPU per request (up to ${rung.cpuMax.toFixed(1)})`,
      );
      return rung;
    });
  } finally {
    await Promise.allSettled(servers.map((s) => s.server.stop()));
  }
}
