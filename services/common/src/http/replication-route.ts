// GET /replication: how this pod currently uses the replica (write mode, read lease, where reads went).
// Internal: for operators, the storefront's ops panel and tests.
import Router from '@koa/router';
import type { Database } from '../db/database';

export function replicationRouter(db: Database): Router {
  const router = new Router();
  router.get('/replication', (ctx) => {
    ctx.body = { replica: db.monitor?.status() ?? null, reads: db.reads };
  });
  return router;
}
