// Internal endpoints of a frontend pod (internal token): cache invalidations pushed by catalog pods, and, only
// with TEST_HOOKS=true, the fill gate tests use to stage a slow miss.
import Router from '@koa/router';
import { parseInput, requireBearer } from '@bazar/common';
import { z } from 'zod';
import type { BookCache } from '../domain/book-cache';
import type { FillGate } from '../domain/fill-gate';

const invalidationBody = z.strictObject({
  bookId: z.number().int().min(1),
  topic: z.string().min(1).max(200),
  version: z.number().int().min(1),
});

export function internalRouter(cache: BookCache, token: string, gate?: FillGate): Router {
  const router = new Router({ prefix: '/internal' });
  router.use(requireBearer(token));

  router.post('/invalidations', async (ctx) => {
    await cache.invalidate(parseInput(invalidationBody, ctx.request.body, 'invalidation'));
    ctx.status = 204;
  });

  if (gate) {
    router.post('/test/fill-gate', (ctx) => {
      const { hold } = parseInput(z.strictObject({ hold: z.boolean() }), ctx.request.body, 'body');
      if (hold) gate.hold();
      else gate.release();
      ctx.body = { held: hold, waiting: gate.waiting };
    });
    router.get('/test/fill-gate', (ctx) => {
      ctx.body = { waiting: gate.waiting };
    });
  }
  return router;
}
