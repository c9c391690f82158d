// Public book endpoints: cached search and info, and the admin's updates.
import Router from '@koa/router';
import { bookChangeBody, bookIdParam, pageQueryFields, parseInput, topicText } from '@bazar/common';
import { z } from 'zod';
import type { Storefront } from '../domain/storefront';
import { markServed } from './respond';

const pageQuery = z.strictObject(pageQueryFields);

export function booksRouter(store: Storefront): Router {
  const router = new Router();

  router.get('/search/:topic', async (ctx) => {
    const topic = parseInput(topicText, ctx.params.topic, 'topic');
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

  // The admin token is checked before the body is read (app.ts guard).
  router.patch('/books/:id', async (ctx) => {
    const id = parseInput(bookIdParam, ctx.params.id, 'book id');
    // The same contract the catalog applies: a bad body never reaches (or counts against) a catalog pod.
    const change = parseInput(bookChangeBody, ctx.request.body, 'body');
    const { value, servedBy } = await store.updateBook(id, change, ctx.state.deadline);
    markServed(ctx, servedBy);
    ctx.body = value;
  });

  return router;
}
