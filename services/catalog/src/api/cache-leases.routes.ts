// Cache leases for frontend pods (see domain/cache-leases.ts): POST /cache-leases {frontend} → 200 {leaseMs}, or
// 409 `fenced` while this pod holds writes back from that frontend (or does not push to it at all);
// POST /cache-leases/release {frontend} → 204: that frontend is shutting down and serves no more hits.
import Router from '@koa/router';
import { conflict, parseInput } from '@bazar/common';
import { z } from 'zod';
import type { CacheLeaseGrants } from '../domain/cache-leases';

const leaseRequest = z.strictObject({ frontend: z.url().max(500) });

export function cacheLeasesRouter(leases: CacheLeaseGrants): Router {
  const router = new Router();
  router.post('/cache-leases', (ctx) => {
    const { frontend } = parseInput(leaseRequest, ctx.request.body, 'body');
    const leaseMs = leases.grant(frontend);
    if (leaseMs === null) throw conflict('fenced', `no cache lease for ${frontend} now`);
    ctx.body = { leaseMs };
  });
  router.post('/cache-leases/release', (ctx) => {
    const { frontend } = parseInput(leaseRequest, ctx.request.body, 'body');
    leases.release(frontend);
    ctx.status = 204;
  });
  return router;
}
