// Builds the catalog's Koa app from its dependencies; main.ts owns listening and shutdown.
import { createInternalApp, type Database, type Logger } from '@bazar/common';
import { booksRouter } from './api/books.routes';
import { Catalog } from './domain/catalog';
import type { InvalidationPublisher } from './gateways/frontends.gateway';

export interface CatalogDeps {
  db: Database;
  log: Logger;
  podName: string;
  internalToken: string;
  bodyLimit: string;
  invalidations: InvalidationPublisher;
}

export function createApp(deps: CatalogDeps) {
  return createInternalApp({ ...deps, routers: [booksRouter(new Catalog(deps.db, deps.invalidations))] });
}
