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
  writeId: z.uuid().optional(),
});

const writeMarkBody = z.strictObject({
  bookId: z.number().int().min(1),
  writeId: z.uuid(),
  ttlMs: z.number().int().min(1).max(120_000),
});

export function internalRouter(cache: BookCache, token: string, gate?: TestGate): Router {
  const router = new Router({ prefix: '/internal' });
  router.use(requireBearer(token));

  // A write to a book is about to commit: stop serving and filling it from the cache until its invalidation.
  router.post('/writes', (ctx) => {
    cache.markWrite(parseInput(writeMarkBody, ctx.request.body, 'write'));
    ctx.status = 204;
  });

  // A catalog pod that fenced this pod checks it can reach it again (then it grants leases again).
  router.post('/writes/probe', (ctx) => {
    ctx.status = 204;
  });

  router.post('/invalidations', async (ctx) => {
    await cache.invalidate(parseInput(invalidationBody, ctx.request.body, 'invalidation'));
    ctx.status = 204;
  });

  if (gate) router.use(testGateRouter('/test/fill-gate', gate).routes());
  return router;
}
