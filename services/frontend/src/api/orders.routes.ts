// Public purchase and order-history endpoints, scoped to the customer session (customer-session.ts).
import Router from '@koa/router';
import {
  bookIdParam,
  decodeCursor,
  notFound,
  orderIdParam,
  pageQueryFields,
  parseInput,
} from '@bazar/common';
import { z } from 'zod';
import type { Storefront } from '../domain/storefront';
import type { CustomerSessions } from './customer-session';
import { markServed } from './respond';

const pageQuery = z.strictObject(pageQueryFields);

export function ordersRouter(store: Storefront, sessions: CustomerSessions): Router {
  const router = new Router();

  router.post('/purchase/:id', async (ctx) => {
    const bookId = parseInput(bookIdParam, ctx.params.id, 'book id');
    // An empty Idempotency-Key is a malformed key, not an absent one.
    const header = ctx.headers['idempotency-key'];
    const key = Array.isArray(header) ? header.join(',') : header;
    const customerId = sessions.customerOrStart(ctx);
    const {
      value,
      created,
      servedBy,
      key: usedKey,
    } = await store.purchase({
      bookId,
      customerId,
      idempotencyKey: key,
      deadline: ctx.state.deadline,
    });
    markServed(ctx, servedBy);
    ctx.set('Idempotency-Key', usedKey);
    ctx.status = created ? 201 : 200;
    ctx.body = value;
  });

  router.get('/orders', async (ctx) => {
    const { limit, cursor } = parseInput(pageQuery, ctx.query, 'query');
    const viewer = sessions.viewer(ctx);
    if (!viewer) {
      if (cursor) decodeCursor('o', cursor); // refused as it would be with a session
      ctx.body = { items: [], nextCursor: null }; // a visitor who has bought nothing has no orders
      return;
    }
    const { value, servedBy } = await store.listOrders(
      limit,
      cursor,
      viewer.admin ? undefined : viewer.customerId,
    );
    markServed(ctx, servedBy);
    ctx.body = value;
  });

  router.get('/orders/:id', async (ctx) => {
    const id = parseInput(orderIdParam, ctx.params.id, 'order id');
    const viewer = sessions.viewer(ctx);
    if (!viewer) throw notFound(`no order with id ${id}`);
    const { value, servedBy } = await store.getOrder(id, viewer.admin ? undefined : viewer.customerId);
    markServed(ctx, servedBy);
    ctx.body = value;
  });

  return router;
}
