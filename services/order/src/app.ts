// Builds the order service's Koa app from its dependencies; main.ts owns listening and shutdown.
import { createInternalApp, testGateRouter, type Database, type Logger, type TestGate } from '@bazar/common';
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
  /** Present only with TEST_HOOKS=true. */
  gate?: TestGate;
}

export function createApp(deps: OrderDeps) {
  const orders = new Orders(deps.db, deps.catalog, deps.writeReserveMs, deps.gate);
  const routers = [ordersRouter(orders)];
  if (deps.gate) routers.push(testGateRouter('/test/after-reservation', deps.gate));
  return createInternalApp({ ...deps, routers });
}
