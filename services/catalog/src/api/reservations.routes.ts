// Reservations for the order service's reconciler (DESIGN I11): the unsettled ones older than a given age, and
// settling those whose orders exist. No SQL here.
import Router from '@koa/router';
import { parseInput } from '@bazar/common';
import { z } from 'zod';
import type { Catalog } from '../domain/catalog';

const unsettledQuery = z.strictObject({
  olderThanMs: z.coerce.number().int().min(0).max(86_400_000),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});
const settleBody = z.strictObject({ orderIds: z.array(z.uuid()).min(1).max(1000) });

export function reservationsRouter(catalog: Catalog): Router {
  const router = new Router({ prefix: '/reservations' });
  router.get('/unsettled', async (ctx) => {
    const q = parseInput(unsettledQuery, ctx.query, 'query');
    ctx.body = { items: await catalog.unsettledReservations(q.olderThanMs, q.limit) };
  });
  router.post('/settled', async (ctx) => {
    const { orderIds } = parseInput(settleBody, ctx.request.body, 'body');
    ctx.body = { settled: await catalog.settleReservations(orderIds) };
  });
  return router;
}
