// Builds the catalog's Koa app from its dependencies; main.ts owns listening and shutdown.
import { createInternalApp, type Database, type Logger } from '@bazar/common';
import { booksRouter } from './api/books.routes';
import { Catalog } from './domain/catalog';
import type { ReservationDeskOptions } from './domain/reservation-desk';
import type { InvalidationPublisher } from './gateways/frontends.gateway';
import { registerCatalogMetrics } from './metrics';

export interface CatalogDeps {
  db: Database;
  log: Logger;
  podName: string;
  internalToken: string;
  bodyLimit: string;
  invalidations: InvalidationPublisher;
  deadlineMs: number;
  desk: Omit<ReservationDeskOptions, 'onBatch'>;
}

export function createApp(deps: CatalogDeps) {
  const catalog = new Catalog(deps.db, deps.invalidations, deps.desk);
  registerCatalogMetrics(catalog.reservations);
  return createInternalApp({ ...deps, routers: [booksRouter(catalog)] });
}
