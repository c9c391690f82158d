#!/usr/bin/env node
// `npm run loadtest:ha-failover`: how long writes stop when the Postgres primary dies under Patroni. A topology on
// this machine with the pair run by Patroni (`database: 'ha'`), one writer PATCHing a book's price through the
// frontend without pause; the leader's Postgres is SIGKILLed --kills times (each once the cluster is healthy
// again, so kills alternate between the two members). Per kill: from the kill until a PATCH sent after it is
// acknowledged (writes resume), and until the old primary streams again as the synchronous standby (rejoined).
// Then every acknowledged price is checked against the database. Prints min / median / max and the machine's load.
//   --kills 5
import console from 'node:console';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { BazarTopology, callJson } from './lib/harness.mjs';

const { values: args } = parseArgs({ options: { kills: { type: 'string', default: '5' } } });
const kills = Number(args.kills);
if (!Number.isInteger(kills) || kills < 1 || kills > 50)
  throw new Error('--kills must be a whole number 1..50');

const started = performance.now();
const log = (line) =>
  process.stdout.write(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}\n`);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

function summary(label, values) {
  const s = [...values].sort((a, b) => a - b);
  const median = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  const ms = (v) => `${(v / 1000).toFixed(2)} s`;
  return `${label.padEnd(34)} min ${ms(s[0])}   median ${ms(median)}   max ${ms(s.at(-1))}   (n=${s.length})`;
}

async function main() {
  log(`starting the topology on Patroni (load ${load()})`);
  const topo = await BazarTopology.start({ database: 'ha', frontends: 1 });
  const stopAll = () => topo.stop();
  process.once('SIGINT', () => void stopAll().finally(() => process.exit(130)));
  try {
    const ha = topo.haCluster;
    const url = `${topo.frontends[0].url}/books/6`;
    let cents = 1000;
    let stop = false;
    const acks = []; // { sentAt, at, cents }
    const writer = (async () => {
      while (!stop) {
        const c = ++cents;
        const sentAt = performance.now();
        const res = await callJson('PATCH', url, {
          token: topo.adminToken,
          body: { price: c / 100 },
          timeoutMs: 30_000,
        }).catch(() => undefined);
        if (res?.status === 200) acks.push({ sentAt, at: performance.now(), cents: c });
        else await sleep(20); // pacing while writes fail fast
      }
    })();
    const resumed = [];
    const rejoined = [];
    for (let k = 1; k <= kills; k++) {
      const leader = await ha.waitHealthy(120_000);
      const killedAt = performance.now();
      await ha.killPostgres(leader);
      const { leader: promoted } = await ha.waitLeaderOtherThan(leader, 120_000);
      for (;;) {
        const a = acks.find((x) => x.sentAt > killedAt);
        if (a) {
          resumed.push(a.at - killedAt);
          break;
        }
        if (performance.now() - killedAt > 120_000)
          throw new Error(`kill ${k}: writes did not resume in 120 s`);
        await sleep(10);
      }
      await ha.waitHealthy(120_000);
      rejoined.push(performance.now() - killedAt);
      log(
        `kill ${k}: ${leader} -> ${promoted}; writes resumed after ${(resumed.at(-1) / 1000).toFixed(2)} s, ` +
          `${leader} streaming as the synchronous standby after ${(rejoined.at(-1) / 1000).toFixed(2)} s (load ${load()})`,
      );
    }
    stop = true;
    await writer;
    const last = acks.at(-1).cents;
    const stored = Math.round((await callJson('GET', `${topo.frontends[0].url}/info/6`)).body.price * 100);
    if (stored < last) throw new Error(`acknowledged price ${last} lost: the database has ${stored}`);
    console.log(
      `\n=== Patroni failover, SIGKILL of the primary's Postgres, ${kills} kills (load ${load()}) ===`,
    );
    console.log(summary('writes resumed (kill -> 1st ack)', resumed));
    console.log(summary('old primary back as sync standby', rejoined));
    console.log(`acknowledged writes: ${acks.length}; the last one (${last}) is in the database (${stored})`);
  } finally {
    await stopAll();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
