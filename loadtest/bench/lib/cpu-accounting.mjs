// Who used the CPU during a measurement: each pod, each Postgres server (postmaster and its children), this
// bench process (the load generator), and everything else on the machine, from /proc. "Everything else" is the
// noise: other people's builds and tests on a shared machine.
import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';

const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
const toMs = (ticks) => (ticks * 1000) / ticksPerSecond;

/** pid → { ppid, ticks (utime + stime), reaped (cutime + cstime: children that have exited) } for every process. */
async function processTicks() {
  const out = new Map();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(join('/proc', entry, 'stat'), 'utf8').catch(() => null);
    if (!stat) continue;
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out.set(Number(entry), {
      ppid: Number(fields[1]),
      ticks: Number(fields[11]) + Number(fields[12]),
      reaped: Number(fields[13]) + Number(fields[14]),
    });
  }
  return out;
}

/** CPU time (ms, user + system) one process has used so far. */
export async function processCpuMs(pid) {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return toMs(Number(fields[11]) + Number(fields[12]));
}

/** Busy ticks of the whole machine (all CPUs), from the first line of /proc/stat. */
async function machineTicks() {
  const [user, nice, system, , , irq, softirq, steal] = (await readFile('/proc/stat', 'utf8'))
    .split('\n')[0]
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return user + nice + system + irq + softirq + steal;
}

async function postmasterPid(dataDir) {
  const text = await readFile(join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '');
  return Number(text.split('\n')[0]) || -1;
}

/** Names each process of the topology: the pods by pid, Postgres by its postmaster, this process as the generator. */
async function groupsOf(ctx) {
  const groups = new Map([[process.pid, 'load generator (bench process, pgbench)']]);
  for (const pod of [
    ...ctx.topo.frontends,
    ...ctx.topo.catalogs,
    ...ctx.topo.orders,
    ...(ctx.extraPods ?? []),
  ]) {
    if (pod.pid) groups.set(pod.pid, pod.name.replace(/-\d+$/, ' pods'));
  }
  if (ctx.bare?.pid) groups.set(ctx.bare.pid, 'bare Koa');
  const postmasters = new Map();
  for (const role of ['primary', 'replica']) {
    postmasters.set(await postmasterPid(join(ctx.topo.cluster.dir, role)), `postgres ${role}`);
  }
  return { groups, postmasters };
}

export async function cpuSnapshot(ctx) {
  return {
    at: performance.now(),
    machine: await machineTicks(),
    processes: await processTicks(),
    ...(await groupsOf(ctx)),
  };
}

/**
 * CPU ticks that `pid`'s children which exited during the window used inside it: the growth of its reaped
 * (cutime + cstime) counter, less what those children had already used before the window began.
 */
function reapedWithin(pid, before, after) {
  const then = before.processes.get(pid);
  const now = after.processes.get(pid);
  if (!then || !now) return 0;
  let earlier = 0;
  for (const [child, c] of before.processes) {
    if (c.ppid === pid && !after.processes.has(child)) earlier += c.ticks + c.reaped;
  }
  return Math.max(0, now.reaped - then.reaped - earlier);
}

/** CPU ms per group between two snapshots, and "other" = the machine's busy time not accounted to any group. */
export function cpuBetween(before, after) {
  const byGroup = {};
  let ours = 0;
  const add = (name, ticks) => {
    byGroup[name] = (byGroup[name] ?? 0) + toMs(ticks);
    ours += toMs(ticks);
  };
  for (const [pid, now] of after.processes) {
    const name = after.groups.get(pid) ?? after.postmasters.get(pid) ?? after.postmasters.get(now.ppid);
    if (!name) continue;
    const then = before.processes.get(pid);
    add(name, now.ticks - (then && then.ppid === now.ppid ? then.ticks : 0));
    // Exited children count for their parent's group: pgbench for the bench, ended backends for Postgres.
    if (pid === process.pid || after.postmasters.has(pid)) add(name, reapedWithin(pid, before, after));
  }
  const machineMs = toMs(after.machine - before.machine);
  return { wallMs: after.at - before.at, machineMs, byGroup, otherMs: Math.max(0, machineMs - ours) };
}

/** Runs `work`, and returns its result with `cpu` (see cpuBetween) attached. */
export async function withCpu(ctx, work) {
  const before = await cpuSnapshot(ctx);
  const result = await work();
  return { ...result, cpu: cpuBetween(before, await cpuSnapshot(ctx)) };
}
