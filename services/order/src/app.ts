// Builds the order service's Koa app from its dependencies; main.ts owns listening and shutdown.
import { createInternalApp, type Database, type Logger } from '@bazar/common';
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
  deadlineMs: number;
  /** See Orders: time kept for the order write after a reservation. */
  writeReserveMs: number;
}

export function createApp(deps: OrderDeps) {
  return createInternalApp({
    ...deps,
    routers: [ordersRouter(new Orders(deps.db, deps.catalog, deps.writeReserveMs))],
  });
}
