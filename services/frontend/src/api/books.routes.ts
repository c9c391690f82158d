// Public book endpoints: cached search and info, and the admin's updates.
import Router from '@koa/router';
import { bookIdParam, pageQueryFields, parseInput, requireBearer } from '@bazar/common';
import { z } from 'zod';
import type { Storefront } from '../domain/storefront';
import { markServed } from './respond';

const topicParam = z.string().trim().min(1, 'must not be empty').max(200);
const pageQuery = z.strictObject(pageQueryFields);

export function booksRouter(store: Storefront, adminToken: string): Router {
  const router = new Router();

  router.get('/search/:topic', async (ctx) => {
    const topic = parseInput(topicParam, ctx.params.topic, 'topic');
    const { limit, cursor } = parseInput(pageQuery, ctx.query, 'query');
    const { value, hit, servedBy } = await store.search(topic, limit, cursor);
    markServed(ctx, servedBy, hit ? 'HIT' : 'MISS');
    ctx.body = { topic, ...value };
  });

  router.get('/info/:id', async (ctx) => {
    const { value, hit, servedBy } = await store.info(parseInput(bookIdParam, ctx.params.id, 'book id'));
    markServed(ctx, servedBy, hit ? 'HIT' : 'MISS');
    ctx.body = value;
  });

  router.patch('/books/:id', requireBearer(adminToken), async (ctx) => {
    const id = parseInput(bookIdParam, ctx.params.id, 'book id');
    // The catalog validates the change; the frontend only insists on a JSON object.
    const change = parseInput(z.record(z.string(), z.unknown()), ctx.request.body, 'body');
    const { value, servedBy } = await store.updateBook(id, change, ctx.state.deadline);
    markServed(ctx, servedBy);
    ctx.body = value;
  });

  return router;
}
