// The purchase part of the bench: throughput through the frontend on one hot book, pgbench's one-row update on
// the same Postgres pair, a sell-out with more buyers than copies, purchases spread over 1,000 books (the path's
// ceiling without a hot row), and a diagnosis run of the hot book and of pgbench with the lock holders sampled
// (what the session holding the hot row is doing while others queue for it).
import { withCpu } from './cpu-accounting.mjs';
import { superuserUrl } from './harness.mjs';
import { quiesce } from './measure.mjs';
import { sampleLockHolders } from './lock-sampler.mjs';
import { pgbenchRun, purchaseRun, spreadRun } from './purchases.mjs';

const percent = (x) => `${(x * 100).toFixed(0)}%`;

function describePurchases(r) {
  const other =
    Object.entries(r.other)
      .map(([status, n]) => `${n}× ${status}`)
      .join(', ') || 'none';
  return (
    `${r.purchasesPerSecond.toFixed(0)}/s, p50 ${r.latency.p50.toFixed(1)} ms, p99 ${r.latency.p99.toFixed(1)} ms; ` +
    `${r.created} bought, ${r.soldOut} sold out, other answers: ${other}, connection errors ${r.errors}; ` +
    `stock ${r.stockBefore} → ${r.stockAfter} (taken ${r.taken}), orders +${r.orders}: ` +
    `${r.reconciled ? 'reconciled' : 'NOT RECONCILED'}, ${r.oversold ? 'OVERSOLD' : 'no oversell'}`
  );
}

/** Runs `work` while sampling the catalog database's lock holders. */
async function sampled(ctx, label, work) {
  const sampler = await sampleLockHolders(superuserUrl(ctx.topo.cluster, 'catalog'), 'catalog');
  let result;
  try {
    result = await work();
  } finally {
    result = { run: result, ...(await sampler.stop()) };
  }
  const shares = result.holders.map((h) => `${percent(h.share)} ${h.state}`).join('; ');
  ctx.log(
    `    ${label}: the lock holder was ${shares || 'never contended'} (${result.contendedSamples} samples)`,
  );
  return result;
}

export async function measurePurchases(ctx) {
  const { plan, topo, fe } = ctx;
  const hot = { topo, fe, bookId: 2, stock: 1_000_000, connections: plan.connections };
  const bench = { cluster: topo.cluster, bookId: 4, clients: plan.connections };
  const out = {};
  await quiesce(topo);
  out.throughput = await withCpu(ctx, () => purchaseRun({ ...hot, durationS: plan.purchaseS }));
  ctx.log(`    frontend purchases: ${describePurchases(out.throughput)}`);
  out.pgbench = await withCpu(ctx, () => pgbenchRun({ ...bench, durationS: plan.pgbenchS }));
  ctx.log(`    pgbench: ${out.pgbench.tps.toFixed(0)} tps, mean latency ${out.pgbench.latencyMs} ms`);
  out.ratio = out.throughput.purchasesPerSecond / out.pgbench.tps;
  ctx.log(`    purchases / pgbench = ${out.ratio.toFixed(2)}`);
  out.sellOuts = [];
  for (const s of plan.sellOuts) {
    // Every buyer at once, one purchase each: a 5xx here is a first attempt's 5xx (target: none).
    const run = await purchaseRun({
      topo,
      fe,
      bookId: 3,
      stock: s.stock,
      connections: s.buyers,
      amount: s.buyers,
    });
    out.sellOuts.push({
      ...s,
      ...run,
      serverErrors: Object.entries(run.other)
        .filter(([st]) => Number(st) >= 500)
        .reduce((n, [, c]) => n + c, 0),
    });
    ctx.log(`    sell-out, ${s.buyers} buyers at once for ${s.stock} copies: ${describePurchases(run)}`);
  }
  out.spread = await withCpu(ctx, () =>
    spreadRun({ topo, fe, books: 1_000, connections: plan.connections, durationS: plan.purchaseS }),
  );
  const sp = out.spread;
  ctx.log(
    `    purchases spread over 1,000 books (no hot row): ${sp.purchasesPerSecond.toFixed(0)}/s, p50 ${sp.latency.p50.toFixed(1)} ms, ` +
      `p99 ${sp.latency.p99.toFixed(1)} ms; answers ${JSON.stringify(sp.statusCodes)}; stock taken ${sp.taken}, orders +${sp.orders}`,
  );
  ctx.log(
    `    diagnosis (${plan.diagnoseS} s each, sampling pg_stat_activity every 5 ms; not part of the numbers above)`,
  );
  out.holders = {
    purchases: await sampled(ctx, 'purchases', () => purchaseRun({ ...hot, durationS: plan.diagnoseS })),
    pgbench: await sampled(ctx, 'pgbench', () => pgbenchRun({ ...bench, durationS: plan.diagnoseS })),
  };
  return out;
}
