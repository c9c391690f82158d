// A whole Bazar on loopback: a real Postgres primary + synchronous streaming replica, optionally Redis, and
// catalog, order and frontend pods as separate processes started through their container entry points. Every
// pod's port is chosen up front, so each service can be told where the others are, as Kubernetes DNS would.
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { freePort } from './ports';
import { PostgresCluster } from './postgres-cluster';
import { RedisServer } from './redis-server';
import { ServiceProcess } from './service-process';

export type ServiceName = 'catalog' | 'order' | 'frontend';

export interface TopologyOptions {
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
}

const repoRoot = resolve(__dirname, '../../../..');
const entry = (service: ServiceName) => join(repoRoot, 'services', service, 'dist', 'src', 'main.js');
const roles = {
  catalog: { name: 'catalog', owner: 'catalog', password: 'catalog-password' },
  orders: { name: 'orders', owner: 'orders', password: 'orders-password' },
};

export class BazarTopology {
  readonly token = randomBytes(24).toString('hex');
  readonly adminToken = randomBytes(24).toString('hex');
  readonly catalogs: ServiceProcess[] = [];
  readonly orders: ServiceProcess[] = [];
  readonly frontends: ServiceProcess[] = [];
  redis: RedisServer | undefined;
  private readonly ports: Record<ServiceName, number[]> = { catalog: [], order: [], frontend: [] };

  private constructor(
    readonly cluster: PostgresCluster,
    private readonly opts: TopologyOptions,
  ) {}

  static async start(opts: TopologyOptions = {}): Promise<BazarTopology> {
    const cluster = await PostgresCluster.start({ databases: [roles.catalog, roles.orders] });
    const topo = new BazarTopology(cluster, opts);
    try {
      if (opts.redis) topo.redis = await RedisServer.start();
      await topo.plan({
        catalog: opts.catalogs ?? 2,
        order: opts.orders ?? 2,
        frontend: opts.frontends ?? 0,
      });
      // Pods of one service start at once (so their migrations race, as on Kubernetes); services in order.
      for (const pods of [topo.catalogs, topo.orders, topo.frontends])
        await Promise.all(pods.map((p) => p.start()));
    } catch (err) {
      await topo.stop();
      throw err;
    }
    return topo;
  }

  /** The environment a pod gets (what the Helm chart sets on Kubernetes). */
  envFor(service: ServiceName, podName: string): Record<string, string> {
    const urls = (service: ServiceName) => this.ports[service].map((p) => `http://127.0.0.1:${p}`).join(',');
    const base = {
      HOST: '127.0.0.1',
      POD_NAME: podName,
      INTERNAL_TOKEN: this.token,
      LOG_LEVEL: 'warn',
      ...this.opts.env,
    };
    if (service === 'frontend') {
      return {
        ...base,
        ADMIN_TOKEN: this.adminToken,
        CATALOG_URLS: urls('catalog'),
        ORDER_URLS: urls('order'),
        ...(this.redis ? { CACHE_STORE: 'redis', REDIS_URL: this.redis.url } : {}),
        ...this.opts.frontendEnv,
      };
    }
    const db = service === 'catalog' ? roles.catalog : roles.orders;
    const c = this.cluster;
    return {
      ...base,
      DATABASE_URL: c.url('primary', db.name, db.owner, db.password),
      DATABASE_REPLICA_URL: c.url('replica', db.name, db.owner, db.password),
      DB_STANDBY_NAME: c.standbyName,
      ...(service === 'order'
        ? { CATALOG_URLS: urls('catalog'), ...this.opts.orderEnv }
        : {
            ...(this.ports.frontend.length ? { FRONTEND_URLS: urls('frontend') } : {}),
            ...this.opts.catalogEnv,
          }),
    };
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.frontends, ...this.orders, ...this.catalogs].map((p) => p.stop()));
    await this.redis?.stop();
    await this.cluster.stop();
  }

  private async plan(counts: Record<ServiceName, number>): Promise<void> {
    for (const service of ['catalog', 'order', 'frontend'] as const) {
      for (let i = 0; i < counts[service]; i++) this.ports[service].push(await freePort());
    }
    for (const service of ['catalog', 'order', 'frontend'] as const) {
      const list = { catalog: this.catalogs, order: this.orders, frontend: this.frontends }[service];
      this.ports[service].forEach((port, i) => {
        const name = `${service}-${i}`;
        list.push(new ServiceProcess({ name, entry: entry(service), port, env: this.envFor(service, name) }));
      });
    }
  }
}
