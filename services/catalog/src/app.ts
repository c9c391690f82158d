// Builds the catalog's Koa app from its dependencies; main.ts owns listening and shutdown.
import {
  createBaseApp,
  mount,
  replicationRouter,
  requireBearer,
  type Database,
  type Logger,
} from '@bazar/common';
import Router from '@koa/router';
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
  const app = createBaseApp({
    log: deps.log,
    servedBy: deps.podName,
    bodyLimit: deps.bodyLimit,
    ready: () => deps.db.readPrimary(async (q) => (await q.query('SELECT 1')).rowCount === 1),
  });
  const internal = new Router();
  internal.use(requireBearer(deps.internalToken));
  internal.use(booksRouter(new Catalog(deps.db, deps.invalidations)).routes());
  internal.use(replicationRouter(deps.db).routes());
  mount(app, internal);
  return app;
}
