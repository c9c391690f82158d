// Observability across every hop: one purchase is one trace with frontend → order → catalog → pg spans in
// parent→child order (and the invalidation fan-out back to the frontend in it too); a cache hit reaches no
// catalog; metrics move with requests; log lines carry the trace id.
import { strict as assert } from 'node:assert';
import { BazarTopology, callJson, waitFor } from '@bazar/harness';
import { newTraceparent, OtlpReceiver, type ReceivedSpan } from './support/otlp-receiver';

const SERVER = 2; // OTLP span kind

describe('traces, metrics and logs across every hop', function () {
  this.timeout(120_000);
  let topo: BazarTopology;
  let otlp: OtlpReceiver;

  before(async () => {
    otlp = await OtlpReceiver.start();
    topo = await BazarTopology.start({
      frontends: 1,
      catalogs: 1,
      orders: 1,
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '50',
      },
      frontendEnv: { LOG_LEVEL: 'debug' },
    });
  });
  after(async () => {
    await topo?.stop();
    await otlp?.stop();
  });

  const fe = () => topo.frontends[0]!.url;
  const ancestors = (span: ReceivedSpan, trace: ReceivedSpan[]): ReceivedSpan[] => {
    const chain: ReceivedSpan[] = [];
    for (
      let p = trace.find((s) => s.spanId === span.parentSpanId);
      p;
      p = trace.find((s) => s.spanId === p!.parentSpanId)
    ) {
      chain.push(p);
    }
    return chain;
  };
  const serverSpan = (s: ReceivedSpan, service: string) => s.service === service && s.kind === SERVER;

  it('one purchase is one trace: frontend → order → catalog → pg, and the invalidation back to the frontend', async () => {
    const { traceId, header } = newTraceparent();
    const res = await callJson('POST', `${fe()}/purchase/1`, { headers: { traceparent: header } });
    assert.equal(res.status, 201);
    const trace = await waitFor(
      'the purchase trace from all three services, with pg spans and the invalidation',
      async () => {
        const t = otlp.trace(traceId);
        const services = new Set(t.map((s) => s.service));
        const served = (path: string) => (s: ReceivedSpan) =>
          serverSpan(s, 'bazar-frontend') && JSON.stringify(s.attributes).includes(path);
        // The frontend's server span for the purchase ends last: once it is in, the whole trace is.
        const ok =
          ['bazar-frontend', 'bazar-order', 'bazar-catalog'].every((s) => services.has(s)) &&
          t.some((s) => s.service === 'bazar-catalog' && s.name.startsWith('pg')) &&
          t.some(served('/internal/invalidations')) &&
          t.some(served('/purchase/1'));
        return ok && t;
      },
      { timeoutMs: 20_000 },
    );

    const catalogPg = trace.find(
      (s) => s.service === 'bazar-catalog' && s.name.startsWith('pg') && s.name.includes('query'),
    )!;
    const chain = ancestors(catalogPg, trace).map(
      (s) => `${s.service}:${s.kind === SERVER ? 'server' : s.name}`,
    );
    const firstIndex = (service: string) => chain.findIndex((c) => c === `${service}:server`);
    const [c, o, f] = [firstIndex('bazar-catalog'), firstIndex('bazar-order'), firstIndex('bazar-frontend')];
    assert.ok(c >= 0 && o > c && f > o, `pg span's ancestors, nearest first: ${chain.join(' ← ')}`);

    const invalidation = trace.find(
      (s) => serverSpan(s, 'bazar-frontend') && JSON.stringify(s.attributes).includes('invalidations'),
    )!;
    assert.ok(
      ancestors(invalidation, trace).some((s) => serverSpan(s, 'bazar-catalog')),
      'the invalidation a catalog pod pushed carries the purchase trace',
    );
    const routeSpans = trace.filter((s) => s.attributes['bazar.purchase.replayed'] !== undefined);
    assert.equal(routeSpans[0]?.attributes['bazar.purchase.replayed'], false);
    assert.ok(
      trace.some((s) => s.attributes['bazar.replication.mode'] !== undefined),
      'replication mode recorded',
    );
  });

  it('a cache hit makes no catalog span', async () => {
    // Fill, then read until a HIT (a fill is stored only under a valid cache lease, which a loaded machine may
    // renew late); the trace of that HIT is the one checked.
    let hit = newTraceparent();
    await waitFor(
      'a cache hit for book 2',
      async () => {
        hit = newTraceparent();
        const res = await callJson('GET', `${fe()}/info/2`, { headers: { traceparent: hit.header } });
        return res.headers.get('x-cache') === 'HIT';
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    // A later miss whose catalog spans have arrived proves any catalog span of the hit would have too: each
    // service exports its spans in the order they end.
    const miss = newTraceparent();
    await callJson('GET', `${fe()}/info/3`, { headers: { traceparent: miss.header } });
    await waitFor(
      'the miss to reach the catalog',
      async () => otlp.trace(miss.traceId).some((s) => s.service === 'bazar-catalog'),
      {
        timeoutMs: 20_000,
      },
    );
    await waitFor(
      'the hit trace',
      async () => otlp.trace(hit.traceId).some((s) => serverSpan(s, 'bazar-frontend')),
      {
        timeoutMs: 20_000,
      },
    );
    const spans = otlp.trace(hit.traceId);
    assert.deepEqual(
      spans.filter((s) => s.service !== 'bazar-frontend').map((s) => `${s.service} ${s.name}`),
      [],
    );
    assert.ok(spans.some((s) => s.attributes['bazar.cache.hit'] === true));
    const missSpans = otlp.trace(miss.traceId);
    assert.ok(missSpans.some((s) => s.attributes['bazar.cache.hit'] === false));
    assert.ok(
      missSpans.some((s) => s.attributes['bazar.db.read_from'] !== undefined),
      'replica choice recorded',
    );
  });

  it('metrics move as requests are made', async () => {
    const scrape = async (url: string) => (await fetch(`${url}/metrics`)).text();
    // Metrics are served on their own port, not on the public one.
    assert.equal((await fetch(`${fe()}/metrics`)).status, 404);
    const value = (text: string, series: string) =>
      Number(new RegExp(`^${series.replace(/[{}"]/g, (c) => `\\${c}`)} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
    const before = await scrape(topo.frontends[0]!.metricsUrl);
    await callJson('GET', `${fe()}/info/4`);
    await callJson('GET', `${fe()}/info/4`);
    await callJson('POST', `${fe()}/purchase/4`);
    const after = await scrape(topo.frontends[0]!.metricsUrl);
    assert.equal(value(after, 'bazar_cache_hits_total') - value(before, 'bazar_cache_hits_total'), 1);
    assert.ok(value(after, 'bazar_cache_misses_total') > value(before, 'bazar_cache_misses_total'));
    assert.equal(
      value(after, 'bazar_purchases_total{outcome="created"}') -
        value(before, 'bazar_purchases_total{outcome="created"}'),
      1,
    );
    assert.match(
      after,
      /bazar_upstream_request_duration_seconds_count\{upstream="catalog",endpoint="[^"]+",outcome="200"\} \d+/,
    );
    const catalog = await scrape(topo.catalogs[0]!.metricsUrl);
    assert.match(catalog, /^bazar_replication_sync_mode [01]$/m);
    assert.match(catalog, /^bazar_replica_lag_bytes \d+$/m);
    assert.ok(
      value(catalog, 'bazar_db_reads_replica_total') + value(catalog, 'bazar_db_reads_primary_total') > 0,
    );
    // The purchase's writes were pushed to the frontend pods by whichever catalog pod reserved; every catalog pod
    // grants the frontends cache leases.
    const catalogs = await Promise.all(topo.catalogs.map((c) => scrape(c.metricsUrl)));
    const sum = (series: string) => catalogs.reduce((n, text) => n + value(text, series), 0);
    assert.ok(sum('bazar_invalidation_pushes_delivered_total') > 0, 'pushes delivered');
    assert.ok(
      catalogs.every((text) => value(text, 'bazar_cache_leases_granted_total') > 0),
      'leases granted by every catalog pod',
    );
    assert.match(catalog, /^bazar_cache_lease_fenced_frontends 0$/m);
  });

  it('a log line carries the trace id of its request', async () => {
    const { traceId, header } = newTraceparent();
    await callJson('GET', `${fe()}/search/distributed%20systems`, { headers: { traceparent: header } });
    const line = await waitFor(
      'an access log line with the trace id',
      async () => topo.frontends[0]!.output().find((l) => l.includes(`"trace_id":"${traceId}"`)),
      { timeoutMs: 10_000 },
    );
    const entry = JSON.parse(line) as Record<string, unknown>;
    assert.equal(entry.msg, 'request');
    assert.match(String(entry.span_id), /^[0-9a-f]{16}$/);
  });
});
