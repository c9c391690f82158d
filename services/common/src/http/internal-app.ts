// The app of a service that owns a database and serves only internal callers (catalog, order): the base app,
// ready when the primary answers, every route behind the internal token, plus /replication.
import Router from '@koa/router';
import type Koa from 'koa';
import type { Database } from '../db/database';
import type { Logger } from '../logger';
import { createBaseApp, mount } from './base-app';
import { requireBearer } from './bearer-auth';
import { replicationRouter } from './replication-route';

export interface InternalAppOptions {
  db: Database;
  log: Logger;
  podName: string;
  internalToken: string;
  bodyLimit: string;
  deadlineMs: number;
  routers: Router[];
}

export function createInternalApp(opts: InternalAppOptions): Koa {
  const needsToken = requireBearer(opts.internalToken);
  const app = createBaseApp({
    log: opts.log,
    servedBy: opts.podName,
    bodyLimit: opts.bodyLimit,
    deadlineMs: opts.deadlineMs,
    deadlineFromCaller: true,
    // Every route but the probes needs the internal token, checked before the body is read.
    guard: async (ctx, next) => {
      if (['/healthz', '/readyz'].includes(ctx.path)) return next();
      return needsToken(ctx, next);
    },
    ready: () => opts.db.readPrimary(async (q) => (await q.query('SELECT 1')).rowCount === 1),
  });
  const internal = new Router();
  for (const r of [...opts.routers, replicationRouter(opts.db)]) internal.use(r.routes());
  mount(app, internal);
  return app;
}
