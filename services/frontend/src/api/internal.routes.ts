// Internal endpoints of a frontend pod (internal token): cache invalidations pushed by catalog pods, and, only
// with TEST_HOOKS=true, the fill gate tests use to stage a slow miss.
import Router from '@koa/router';
import { parseInput, requireBearer, testGateRouter, type TestGate } from '@bazar/common';
import { z } from 'zod';
import type { BookCache } from '../domain/book-cache';

const invalidationBody = z.strictObject({
  bookId: z.number().int().min(1),
  topic: z.string().min(1).max(200),
  version: z.number().int().min(1),
});

export function internalRouter(cache: BookCache, token: string, gate?: TestGate): Router {
  const router = new Router({ prefix: '/internal' });
  router.use(requireBearer(token));

  router.post('/invalidations', async (ctx) => {
    await cache.invalidate(parseInput(invalidationBody, ctx.request.body, 'invalidation'));
    ctx.status = 204;
  });

  if (gate) router.use(testGateRouter('/test/fill-gate', gate).routes());
  return router;
}
