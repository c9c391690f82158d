// A whole Bazar on loopback: a real Postgres primary + synchronous streaming replica, optionally Redis, and
// catalog, order and frontend pods as separate processes started through their container entry points. Every
// pod's port is chosen up front, so each service can be told where the others are, as Kubernetes DNS would.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { join, resolve } from 'node:path';
import { freePort } from './ports';
import { EmbeddedPostgres } from './embedded-postgres';
import { PatroniCluster } from './patroni-cluster';
import { PostgresCluster } from './postgres-cluster';
import { RedisServer } from './redis-server';
import { ServiceProcess } from './service-process';
import { Supervisor } from './supervisor';
import { customerCookie } from './customer-cookie';

export type ServiceName = 'catalog' | 'order' | 'frontend';

export interface TopologyOptions {
  /**
   * A real Postgres primary + streaming replica (default); the same pair run by Patroni with automatic failover
   * (`ha`: etcd, HAProxy, DB_HA_ENGINE=true); or the embedded PGlite of `npm start`.
   */
  database?: 'postgres' | 'ha' | 'embedded';
  catalogs?: number;
  orders?: number;
  frontends?: number;
  /** Start a Redis and give the frontends CACHE_STORE=redis. */
  redis?: boolean;
  /** Extra environment for every service process (e.g. LOG_LEVEL, timeouts). */
  env?: Record<string, string>;
  catalogEnv?: Record<string, string>;
  orderEnv?: Record<string, string>;
  frontendEnv?: Record<string, string>;
  /** More environment for frontend pod `index` alone (e.g. a bench's pod with a capped heap). */
  frontendEnvAt?: (index: number) => Record<string, string> | undefined;
  /**
   * The URL at which catalog pods reach frontend pod `index` (listening on `port`), also its SELF_URL; default
   * `http://127.0.0.1:<port>`. A test puts a CutProxy in between to cut that pod off the writers.
   */
  frontendUrlForCatalogs?: (index: number, port: number) => string;
  /** Port of the first frontend pod (default: any free port). */
  frontendPort?: number;
  adminToken?: string;
  /**
   * The frontends' per-client rate limits at their defaults (npm start); otherwise off, since every test client
   * is one address (127.0.0.1). `frontendEnv` can still set them.
   */
  rateLimits?: boolean;
  /** Write each pod's output to <logDir>/<pod>.log as well. */
  logDir?: string;
  /** Told about each step as it completes (for progress output). */
  onProgress?: (step: string, ms: number) => void;
  /**
   * The embedded database starts from data directories prepared (migrated and seeded) by an earlier start and kept
   * here, and keeps them here when there are none yet (npm start: ~/.cache/bazar/pglite).
   */
  embeddedTemplateDir?: string;
  /** Told when a pod is slow to become ready (every 15 s, naming it); the wait goes on while it makes progress. */
  onSlow?: (message: string) => void;
  /**
   * Pods are supervised (restarted with backoff when they exit by themselves), and so are the Postgres servers and
   * Redis the topology started (under Patroni, Patroni restarts Postgres itself); each restart is told here.
   */
  supervise?: (message: string) => void;
}

const repoRoot = resolve(__dirname, '../../../..');
const entry = (service: ServiceName) => join(repoRoot, 'services', service, 'dist', 'src', 'main.js');
const roles = {
  catalog: { name: 'catalog', owner: 'catalog', password: 'catalog-password' },
  orders: { name: 'orders', owner: 'orders', password: 'orders-password' },
};

/**
 * A port picked free can be taken (e.g. by an outgoing connection's ephemeral port) before Postgres binds it:
 * that failure says "Address already in use", and a fresh start picks new ports.
 */
async function startClusterRetryingPortRaces(): Promise<PostgresCluster> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await PostgresCluster.start({ databases: [roles.catalog, roles.orders] });
    } catch (err) {
      if (attempt >= 3 || !/Address already in use/.test(String(err))) throw err;
    }
  }
}

/** PGlite, from the templates in `embeddedTemplateDir` when they match what the services will migrate and seed. */
async function startEmbedded(opts: TopologyOptions): Promise<EmbeddedPostgres> {
  const started = performance.now();
  const env = { ...opts.env, ...opts.catalogEnv };
  const templateKey = await contentKey([
    join(repoRoot, 'node_modules/@electric-sql/pglite/package.json'),
    join(repoRoot, 'services/catalog/migrations'),
    join(repoRoot, 'services/order/migrations'),
    join(repoRoot, 'services/catalog/dist/src/data-access/seed.js'),
    `SEED_BOOKS=${env.SEED_BOOKS ?? ''} SEED_STOCK=${env.SEED_STOCK ?? ''}`,
  ]);
  const db = await EmbeddedPostgres.start([roles.catalog.name, roles.orders.name], {
    templateDir: opts.embeddedTemplateDir,
    templateKey,
  });
  const how = db.fromTemplates ? ', from the prepared data directory' : '';
  opts.onProgress?.(`embedded Postgres (PGlite${how})`, performance.now() - started);
  return db;
}

/** A short hash of files (directories: every file in them, by name) and literal strings. */
async function contentKey(parts: string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const part of parts) {
    const info = await stat(part).catch(() => undefined);
    const files = !info
      ? []
      : info.isDirectory()
        ? (await readdir(part)).sort().map((f) => join(part, f))
        : [part];
    hash.update(info ? '' : part);
    for (const f of files) hash.update(f.slice(repoRoot.length)).update(await readFile(f));
  }
  return hash.digest('hex').slice(0, 16);
}

export class BazarTopology {
  readonly token = randomBytes(24).toString('hex');
  /** CUSTOMER_SECRET of the frontend pods: what `customer()` signs its cookies with. */
  readonly customerSecret = randomBytes(24).toString('hex');
  readonly adminToken: string;
  readonly catalogs: ServiceProcess[] = [];
  readonly orders: ServiceProcess[] = [];
  readonly frontends: ServiceProcess[] = [];
  redis: RedisServer | undefined;
  private readonly ports: Record<ServiceName, number[]> = { catalog: [], order: [], frontend: [] };
  private readonly metricsPorts: number[] = [];
  private readonly supervisors: Supervisor[] = [];

  private constructor(
    private readonly database: PostgresCluster | PatroniCluster | EmbeddedPostgres,
    private readonly opts: TopologyOptions,
  ) {
    this.adminToken = opts.adminToken ?? randomBytes(24).toString('hex');
  }

  /** The real Postgres pair (throws for an embedded topology, which has none). */
  get cluster(): PostgresCluster {
    if (!(this.database instanceof PostgresCluster)) throw new Error('this topology runs on embedded PGlite');
    return this.database;
  }

  /** The Patroni-run pair (throws unless the topology was started with `database: 'ha'`). */
  get haCluster(): PatroniCluster {
    if (!(this.database instanceof PatroniCluster)) throw new Error('this topology runs without Patroni');
    return this.database;
  }

  static async start(opts: TopologyOptions = {}): Promise<BazarTopology> {
    const step = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
      const started = performance.now();
      const result = await run();
      opts.onProgress?.(what, performance.now() - started);
      return result;
    };
    const embedded = opts.database === 'embedded';
    const database = embedded
      ? await startEmbedded(opts)
      : opts.database === 'ha'
        ? await step('Patroni: Postgres primary + synchronous standby, etcd, HAProxy', () =>
            PatroniCluster.start({ databases: [roles.catalog, roles.orders], logDir: opts.logDir }),
          )
        : await step('Postgres primary + streaming replica', () => startClusterRetryingPortRaces());
    const topo = new BazarTopology(database, opts);
    try {
      if (opts.redis) topo.redis = await step('Redis', () => RedisServer.start());
      topo.superviseServers();
      await topo.plan({
        catalog: opts.catalogs ?? 2,
        order: opts.orders ?? 2,
        frontend: opts.frontends ?? 0,
      });
      for (const pods of [topo.catalogs, topo.orders, topo.frontends]) {
        // Pods of one service start at once, so their migrations race as on Kubernetes. PGlite has one backend,
        // which makes session advisory locks shared: there the first pod migrates alone.
        const [first, ...rest] = pods;
        if (embedded && first) await step(first.name, () => first.start());
        const batch = embedded ? rest : pods;
        if (batch.length > 0) {
          await step(batch.map((p) => p.name).join(', '), () => Promise.all(batch.map((p) => p.start())));
        }
      }
      if (database instanceof EmbeddedPostgres && opts.embeddedTemplateDir && !database.fromTemplates) {
        await step('embedded databases kept as a template for the next start', () =>
          database.saveTemplates(),
        );
      }
    } catch (err) {
      await topo.stop();
      throw err;
    }
    return topo;
  }

  /**
   * A `Cookie` header that makes requests one shopper's, signed as a frontend pod signs the session it starts
   * (a test's buyer who retries, or buys through several pods, keeps it like a browser would).
   */
  customer(id: string = randomUUID()): string {
    return customerCookie(this.customerSecret, id);
  }

  /** The environment a pod gets (what the Helm chart sets on Kubernetes). */
  envFor(service: ServiceName, podName: string): Record<string, string> {
    const urls = (service: ServiceName) => this.ports[service].map((p) => `http://127.0.0.1:${p}`).join(',');
    const frontendUrl = (i: number, port: number) =>
      this.opts.frontendUrlForCatalogs?.(i, port) ?? `http://127.0.0.1:${port}`;
    const base = {
      HOST: '127.0.0.1',
      POD_NAME: podName,
      INTERNAL_TOKEN: this.token,
      LOG_LEVEL: 'warn',
      ...this.opts.env,
    };
    if (service === 'frontend') {
      // A pod of the topology is named by its place; an extra one (a bench's) keeps the default SELF_URL, and
      // since no catalog pod pushes to it, it holds no cache lease: every read is a miss.
      const port = this.ports.frontend[Number(podName.split('-').pop())];
      return {
        ...base,
        ...(port === undefined ? {} : { SELF_URL: frontendUrl(this.ports.frontend.indexOf(port), port) }),
        ADMIN_TOKEN: this.adminToken,
        CUSTOMER_SECRET: this.customerSecret,
        ...(this.opts.rateLimits ? {} : { RATE_LIMIT_REQUESTS: '0', RATE_LIMIT_PURCHASES: '0' }),
        CATALOG_URLS: urls('catalog'),
        ORDER_URLS: urls('order'),
        ...(this.redis ? { CACHE_STORE: 'redis', REDIS_URL: this.redis.url } : {}),
        ...this.opts.frontendEnv,
        ...(port === undefined ? {} : this.opts.frontendEnvAt?.(this.ports.frontend.indexOf(port))),
      };
    }
    const db = service === 'catalog' ? roles.catalog : roles.orders;
    const d = this.database;
    const databaseEnv: Record<string, string> =
      d instanceof PatroniCluster
        ? {
            DATABASE_URL: d.url(db.name, db.owner, db.password),
            DATABASE_REPLICA_URL: '',
            DB_HA_ENGINE: 'true',
          }
        : d instanceof PostgresCluster
          ? {
              DATABASE_URL: d.url('primary', db.name, db.owner, db.password),
              DATABASE_REPLICA_URL: d.url('replica', db.name, db.owner, db.password),
              DB_STANDBY_NAME: d.standbyName,
            }
          : {
              DATABASE_URL: d.url(db.name),
              DATABASE_REPLICA_URL: '',
              DB_STANDBY_NAME: '',
              DB_POOL_MAX: '4',
              // PGlite has one backend: waiting for a pooled connection is waiting for it, and under a crowd on a
              // loaded machine that takes longer than a real server's 1.5 s bound. A purchase may wait (its request
              // deadline still bounds it) rather than be told "busy".
              DB_CONNECT_TIMEOUT_MS: '5000',
            };
    return {
      ...base,
      ...databaseEnv,
      ...(service === 'order'
        ? { CATALOG_URLS: urls('catalog'), ...this.opts.orderEnv }
        : {
            ...(this.ports.frontend.length
              ? { FRONTEND_URLS: this.ports.frontend.map((p, i) => frontendUrl(i, p)).join(',') }
              : {}),
            ...this.opts.catalogEnv,
          }),
    };
  }

  async stop(): Promise<void> {
    await Promise.all(this.supervisors.splice(0).map((s) => s.stop()));
    await Promise.allSettled([...this.frontends, ...this.orders, ...this.catalogs].map((p) => p.stop()));
    await this.redis?.stop();
    await this.database.stop();
  }

  /** The servers this topology started, with their process ids (for the launcher's banner). */
  servers(): string[] {
    const d = this.database;
    const list: string[] = [];
    if (d instanceof PostgresCluster) {
      for (const which of ['primary', 'replica'] as const)
        list.push(`postgres ${which} (pid ${d.pid(which) ?? '?'})`);
    }
    if (this.redis) list.push(`redis (pid ${this.redis.pid ?? '?'})`);
    return list;
  }

  private superviseServers(): void {
    const report = this.opts.supervise;
    if (!report) return;
    const d = this.database;
    if (d instanceof PostgresCluster) {
      for (const which of ['primary', 'replica'] as const) {
        const restart = () => (which === 'primary' ? d.startPrimary() : d.startReplica());
        this.supervisors.push(
          new Supervisor({ name: `postgres ${which}`, alive: () => d.isRunning(which), restart, report }),
        );
      }
    }
    const redis = this.redis;
    if (redis) {
      this.supervisors.push(
        new Supervisor({
          name: 'redis',
          alive: () => redis.running(),
          restart: () => redis.restart(),
          report,
        }),
      );
    }
  }

  /** A free port no other pod of this topology was given: freePort() may hand out a just-released port again. */
  private async unusedPort(): Promise<number> {
    const taken = new Set([
      ...this.ports.catalog,
      ...this.ports.order,
      ...this.ports.frontend,
      ...this.metricsPorts,
      this.opts.frontendPort,
    ]);
    for (;;) {
      const port = await freePort();
      if (!taken.has(port)) return port;
    }
  }

  private async plan(counts: Record<ServiceName, number>): Promise<void> {
    for (const service of ['catalog', 'order', 'frontend'] as const) {
      for (let i = 0; i < counts[service]; i++) {
        const fixed = service === 'frontend' && i === 0 ? this.opts.frontendPort : undefined;
        this.ports[service].push(fixed ?? (await this.unusedPort()));
      }
    }
    for (const service of ['catalog', 'order', 'frontend'] as const) {
      const list = { catalog: this.catalogs, order: this.orders, frontend: this.frontends }[service];
      for (const [i, port] of this.ports[service].entries()) {
        const name = `${service}-${i}`;
        const logFile = this.opts.logDir ? join(this.opts.logDir, `${name}.log`) : undefined;
        const metricsPort = await this.unusedPort();
        this.metricsPorts.push(metricsPort);
        const env = this.envFor(service, name);
        const { onSlow, supervise } = this.opts;
        list.push(
          new ServiceProcess({
            name,
            entry: entry(service),
            port,
            metricsPort,
            env,
            logFile,
            onSlow,
            supervise,
          }),
        );
      }
    }
  }
}
