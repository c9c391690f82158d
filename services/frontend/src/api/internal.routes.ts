// Internal endpoints of a frontend pod (internal token): cache invalidations pushed by catalog pods, and, only
// with TEST_HOOKS=true, the fill gate tests use to stage a slow miss.
import Router from '@koa/router';
import { parseInput, testGateRouter, type TestGate } from '@bazar/common';
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

/** Test-only gates (TEST_HOOKS=true): `fill` holds cache fills; while `deaf` is held, pushes are acknowledged and ignored. */
export interface FrontendTestGates {
  fill: TestGate;
  deaf: TestGate;
}

export function internalRouter(cache: BookCache, gates?: FrontendTestGates): Router {
  // Behind the internal token, checked before the body is read (app.ts guard).
  const router = new Router({ prefix: '/internal' });

  // A write to a book is about to commit: stop serving and filling it from the cache until its invalidation.
  router.post('/writes', (ctx) => {
    const mark = parseInput(writeMarkBody, ctx.request.body, 'write');
    if (!gates?.deaf.held) cache.markWrite(mark);
    ctx.status = 204;
  });

  // A catalog pod that fenced this pod checks it can reach it again (then it grants leases again).
  router.post('/writes/probe', (ctx) => {
    ctx.status = 204;
  });

  router.post('/invalidations', async (ctx) => {
    const inv = parseInput(invalidationBody, ctx.request.body, 'invalidation');
    if (!gates?.deaf.held) await cache.invalidate(inv);
    ctx.status = 204;
  });

  if (gates) {
    router.use(testGateRouter('/test/fill-gate', gates.fill).routes());
    router.use(testGateRouter('/test/deaf', gates.deaf).routes());
  }
  return router;
}
