// What `npm start` prints: usage, and the banner once everything is ready.
export const usage = `
Usage: npm start [-- options]

  --port N        port of the storefront and public API on 127.0.0.1 (default 8080; env BAZAR_PORT)
  --postgres      a real PostgreSQL primary + streaming replica from this machine's binaries
                  instead of the embedded database (env BAZAR_POSTGRES=true)
  --ha            with --postgres: the pair run by Patroni, with automatic failover (etcd as its store,
                  HAProxy leading to the primary; Debian packages patroni, etcd-server, haproxy; env BAZAR_HA=true)
  --redis         a local redis-server as the shared cache store (env BAZAR_REDIS=true)
  --frontends N   frontend pods (default 1), --catalogs N (default 2), --orders N (default 2)
  --no-rate-limits  no per-client rate limits (for load tests from this one address; env BAZAR_RATE_LIMITS=false)
  --env KEY=VALUE any setting for every pod, repeatable (e.g. --env CACHE_TTL_MS=5000 --env LOG_LEVEL=debug)
  -h, --help      this text

ADMIN_TOKEN (env) sets the admin token; otherwise one is generated and printed.
OTEL_* variables (e.g. OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318) are passed to every pod: tracing on.
`;

export interface BannerInfo {
  url: string;
  adminToken: string;
  tokenGenerated: boolean;
  readyMs: number;
  logDir: string;
  database: string;
  cache: string;
  pods: string[];
  /** Postgres and Redis servers started here, with their pids (none for the embedded database). */
  servers: string[];
}

export function banner(b: BannerInfo): string {
  return `
Bazar is ready in ${(b.readyMs / 1000).toFixed(1)} s.

  Storefront   ${b.url}/
  Database     ${b.database}
  Cache        ${b.cache}
  Admin token  ${b.adminToken}${b.tokenGenerated ? '   (generated; set ADMIN_TOKEN to choose one)' : ''}
  Pods         ${b.pods.join('\n               ')}
${b.servers.length ? `  Servers      ${b.servers.join('\n               ')}\n` : ''}  Logs         ${b.logDir}/<pod>.log

Try it:
  curl -s ${b.url}/search/distributed%20systems
  curl -si ${b.url}/info/2 | grep -i x-cache
  curl -s -c jar -b jar -X POST -H 'Idempotency-Key: my-first-order' ${b.url}/purchase/2   # jar: your session
  curl -s -b jar ${b.url}/orders
  curl -s -X PATCH -H 'Authorization: Bearer ${b.adminToken}' -H 'content-type: application/json' \\
       -d '{"quantityDelta": 10}' ${b.url}/books/2
  curl -s ${b.url}/cache/stats

A pod or server that crashes or is killed is started again (backoff 1 s doubling to 30 s), and said so here.
Press Ctrl-C to stop everything.
`;
}
