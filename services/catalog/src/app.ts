// Builds the catalog's Koa app from its dependencies; main.ts owns listening and shutdown.
import { createInternalApp, testGateRouter, type Database, type Logger } from '@bazar/common';
import { booksRouter } from './api/books.routes';
import { Catalog } from './domain/catalog';
import type { ReservationDeskOptions } from './domain/reservation-desk';
import { cacheLeasesRouter } from './api/cache-leases.routes';
import { reservationsRouter } from './api/reservations.routes';
import type { CacheLeaseGrants } from './domain/cache-leases';
import type { WriteAnnouncer } from './gateways/invalidation-fanout';
import { registerCatalogMetrics } from './metrics';

export interface CatalogDeps {
  db: Database;
  log: Logger;
  podName: string;
  internalToken: string;
  bodyLimit: string;
  invalidations: WriteAnnouncer;
  leases: CacheLeaseGrants;
  /** See Catalog: how long a write's database work may run past its deadline. */
  writeOverrunMs: number;
  deadlineMs: number;
  desk: Omit<ReservationDeskOptions, 'onBatch' | 'beforeBatch'>;
}

export function createApp(deps: CatalogDeps) {
  const catalog = new Catalog(deps.db, deps.invalidations, deps.desk, deps.writeOverrunMs);
  registerCatalogMetrics(catalog.reservations, deps.invalidations, deps.leases);
  const routers = [booksRouter(catalog), reservationsRouter(catalog), cacheLeasesRouter(deps.leases)];
  if (deps.desk.afterCommit) routers.push(testGateRouter('/test/after-commit', deps.desk.afterCommit));
  return createInternalApp({ ...deps, routers });
}
