// Public purchase and order-history endpoints.
import Router from '@koa/router';
import { bookIdParam, orderIdParam, pageQueryFields, parseInput } from '@bazar/common';
import { z } from 'zod';
import type { Storefront } from '../domain/storefront';
import { markServed } from './respond';

const pageQuery = z.strictObject(pageQueryFields);

export function ordersRouter(store: Storefront): Router {
  const router = new Router();

  router.post('/purchase/:id', async (ctx) => {
    const bookId = parseInput(bookIdParam, ctx.params.id, 'book id');
    // An empty Idempotency-Key is a malformed key, not an absent one.
    const header = ctx.headers['idempotency-key'];
    const key = Array.isArray(header) ? header.join(',') : header;
    const { value, created, servedBy, key: usedKey } = await store.purchase(bookId, key, ctx.state.deadline);
    markServed(ctx, servedBy);
    ctx.set('Idempotency-Key', usedKey);
    ctx.status = created ? 201 : 200;
    ctx.body = value;
  });

  router.get('/orders', async (ctx) => {
    const { limit, cursor } = parseInput(pageQuery, ctx.query, 'query');
    const { value, servedBy } = await store.listOrders(limit, cursor);
    markServed(ctx, servedBy);
    ctx.body = value;
  });

  router.get('/orders/:id', async (ctx) => {
    const { value, servedBy } = await store.getOrder(parseInput(orderIdParam, ctx.params.id, 'order id'));
    markServed(ctx, servedBy);
    ctx.body = value;
  });

  return router;
}
