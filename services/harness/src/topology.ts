// A whole Bazar back end on loopback: a real Postgres primary + synchronous streaming replica and catalog/order
// pods as separate processes started through their container entry points. Used by tests and local runs.
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { freePort } from './ports';
import { PostgresCluster } from './postgres-cluster';
import { ServiceProcess } from './service-process';

export interface TopologyOptions {
  catalogs?: number;
  orders?: number;
  /** Extra environment for every service process (e.g. LOG_LEVEL, timeouts). */
  env?: Record<string, string>;
  catalogEnv?: Record<string, string>;
  orderEnv?: Record<string, string>;
}

const repoRoot = resolve(__dirname, '../../../..');
const entry = (service: string) => join(repoRoot, 'services', service, 'dist', 'src', 'main.js');
const roles = {
  catalog: { name: 'catalog', owner: 'catalog', password: 'catalog-password' },
  orders: { name: 'orders', owner: 'orders', password: 'orders-password' },
};

export class BazarTopology {
  readonly token = randomBytes(24).toString('hex');
  readonly catalogs: ServiceProcess[] = [];
  readonly orders: ServiceProcess[] = [];

  private constructor(
    readonly cluster: PostgresCluster,
    private readonly opts: TopologyOptions,
  ) {}

  static async start(opts: TopologyOptions = {}): Promise<BazarTopology> {
    const cluster = await PostgresCluster.start({ databases: [roles.catalog, roles.orders] });
    const topo = new BazarTopology(cluster, opts);
    try {
      await topo.addServices('catalog', opts.catalogs ?? 2);
      await topo.addServices('order', opts.orders ?? 2);
    } catch (err) {
      await topo.stop();
      throw err;
    }
    return topo;
  }

  /** The environment a pod of `service` gets (what the Helm chart sets on Kubernetes). */
  envFor(service: 'catalog' | 'order', podName: string): Record<string, string> {
    const db = service === 'catalog' ? roles.catalog : roles.orders;
    const c = this.cluster;
    return {
      HOST: '127.0.0.1',
      POD_NAME: podName,
      INTERNAL_TOKEN: this.token,
      LOG_LEVEL: 'warn',
      DATABASE_URL: c.url('primary', db.name, db.owner, db.password),
      DATABASE_REPLICA_URL: c.url('replica', db.name, db.owner, db.password),
      DB_STANDBY_NAME: c.standbyName,
      ...(service === 'order' ? { CATALOG_URLS: this.catalogs.map((p) => p.url).join(',') } : {}),
      ...this.opts.env,
      ...(service === 'catalog' ? this.opts.catalogEnv : this.opts.orderEnv),
    };
  }

  /** Starts `count` more pods of `service` at once (so migrations race, as they do on Kubernetes). */
  async addServices(service: 'catalog' | 'order', count: number): Promise<ServiceProcess[]> {
    const list = service === 'catalog' ? this.catalogs : this.orders;
    const added: ServiceProcess[] = [];
    for (let i = 0; i < count; i++) {
      const name = `${service}-${list.length + added.length}`;
      added.push(
        new ServiceProcess({
          name,
          entry: entry(service),
          env: this.envFor(service, name),
          port: await freePort(),
        }),
      );
    }
    list.push(...added);
    await Promise.all(added.map((p) => p.start()));
    return added;
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.orders, ...this.catalogs].map((p) => p.stop()));
    await this.cluster.stop();
  }
}
