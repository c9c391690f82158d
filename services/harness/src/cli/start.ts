// `npm start`: the whole Bazar on this machine — frontend, catalog and order pods as processes on loopback, on
// an embedded database by default — with progress, a banner, and Ctrl-C/SIGTERM stopping everything it started.
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { BazarTopology } from '../topology';
import { banner, usage } from './banner';

const { values: args } = parseArgs({
  options: {
    postgres: { type: 'boolean', default: process.env.BAZAR_POSTGRES === 'true' },
    ha: { type: 'boolean', default: process.env.BAZAR_HA === 'true' },
    redis: { type: 'boolean', default: process.env.BAZAR_REDIS === 'true' },
    port: { type: 'string', default: process.env.BAZAR_PORT ?? '8080' },
    frontends: { type: 'string', default: process.env.BAZAR_FRONTENDS ?? '1' },
    catalogs: { type: 'string', default: process.env.BAZAR_CATALOGS ?? '2' },
    orders: { type: 'string', default: process.env.BAZAR_ORDERS ?? '2' },
    'rate-limits': { type: 'boolean', default: process.env.BAZAR_RATE_LIMITS !== 'false' },
    env: { type: 'string', multiple: true, default: [] },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
  allowNegative: true,
});

function count(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    fail(`--${name} must be a whole number from ${min} to ${max}`);
  return n;
}

function fail(message: string): never {
  process.stderr.write(`bazar: ${message}\n${usage}`);
  process.exit(2);
}

/** `--env KEY=VALUE` (repeatable): any setting, for every pod. */
function podEnv(pairs: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/s.exec(pair);
    if (!m)
      fail(`--env takes KEY=VALUE with an upper-case KEY (e.g. --env CACHE_TTL_MS=5000); got '${pair}'`);
    env[m[1]!] = m[2]!;
  }
  return env;
}

function otelEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (e): e is [string, string] => e[0].startsWith('OTEL_') && e[1] !== undefined,
    ),
  );
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer()
      .once('error', () => resolve(false))
      .listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

async function main(): Promise<void> {
  if (args.help) {
    process.stdout.write(usage);
    return;
  }
  if (args.ha && !args.postgres) fail('--ha runs real Postgres under Patroni: use it with --postgres');
  const port = count('port', args.port!, 1, 65535);
  const sizes = {
    frontends: count('frontends', args.frontends!, 1, 8),
    catalogs: count('catalogs', args.catalogs!, 1, 8),
    orders: count('orders', args.orders!, 1, 8),
  };
  if (!(await portIsFree(port))) fail(`port ${port} on 127.0.0.1 is in use; choose another with --port`);
  const extraEnv = podEnv(args.env!);
  const adminToken = process.env.ADMIN_TOKEN ?? randomBytes(16).toString('hex');
  if (adminToken.length < 16) fail('ADMIN_TOKEN must be at least 16 characters');
  const logDir = await mkdtemp(join(tmpdir(), 'bazar-logs-'));

  const started = performance.now();
  const database = args.ha ? 'ha' : args.postgres ? 'postgres' : 'embedded';
  process.stdout.write(
    `Starting Bazar (${{ ha: 'real Postgres under Patroni', postgres: 'real Postgres', embedded: 'embedded database' }[database]}) …\n`,
  );
  const topo = await BazarTopology.start({
    database,
    redis: args.redis,
    ...sizes,
    frontendPort: port,
    adminToken,
    rateLimits: args['rate-limits'],
    logDir,
    embeddedTemplateDir: join(process.env.BAZAR_CACHE_DIR ?? join(homedir(), '.cache', 'bazar'), 'pglite'),
    // The standard OTEL_* variables (e.g. OTEL_EXPORTER_OTLP_ENDPOINT) reach every pod: tracing is opt-in.
    // --env settings come last: they override what the launcher would set.
    env: { LOG_LEVEL: 'info', ...otelEnv(), ...extraEnv },
    onProgress: (step, ms) => process.stdout.write(`  ✓ ${step} (${(ms / 1000).toFixed(1)} s)\n`),
    onSlow: (message) => process.stdout.write(`  … ${message}\n`),
    // Like a kubelet: a pod that crashes or is killed is started again, with backoff, and said so.
    supervise: (message) => process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${message}\n`),
  });
  const readyMs = performance.now() - started;

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping every process Bazar started …\n`);
    topo.stop().then(
      () => {
        process.stdout.write('Stopped.\n');
        process.exit(0);
      },
      (err: Error) => {
        process.stderr.write(`bazar: error while stopping: ${err.message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.stdout.write(
    banner({
      url: topo.frontends[0]!.url,
      adminToken,
      tokenGenerated: process.env.ADMIN_TOKEN === undefined,
      readyMs,
      logDir,
      database: {
        ha: 'PostgreSQL primary + synchronous standby run by Patroni (automatic failover; etcd, HAProxy)',
        postgres: 'PostgreSQL primary + synchronous streaming replica',
        embedded: 'embedded PGlite (in memory)',
      }[database],
      cache: args.redis ? 'Redis, shared by the frontends' : 'in-memory LRU per frontend',
      servers: topo.servers(),
      pods: [...topo.frontends, ...topo.catalogs, ...topo.orders].map(
        (p) => `${p.name} ${p.url} (pid ${p.pid})`,
      ),
    }),
  );
}

main().catch((err: Error) => {
  process.stderr.write(`bazar: could not start: ${err.message}\n`);
  process.exit(1);
});
