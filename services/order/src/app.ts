// Builds the order service's Koa app from its dependencies; main.ts owns listening and shutdown.
import {
  createBaseApp,
  mount,
  replicationRouter,
  requireBearer,
  type Database,
  type Logger,
} from '@bazar/common';
import Router from '@koa/router';
import { ordersRouter } from './api/orders.routes';
import { Orders } from './domain/orders';
import type { CatalogGateway } from './gateways/catalog.gateway';

export interface OrderDeps {
  db: Database;
  catalog: CatalogGateway;
  log: Logger;
  podName: string;
  internalToken: string;
  bodyLimit: string;
}

export function createApp(deps: OrderDeps) {
  const app = createBaseApp({
    log: deps.log,
    servedBy: deps.podName,
    bodyLimit: deps.bodyLimit,
    ready: () => deps.db.readPrimary(async (q) => (await q.query('SELECT 1')).rowCount === 1),
  });
  const internal = new Router();
  internal.use(requireBearer(deps.internalToken));
  internal.use(ordersRouter(new Orders(deps.db, deps.catalog)).routes());
  internal.use(replicationRouter(deps.db).routes());
  mount(app, internal);
  return app;
}
