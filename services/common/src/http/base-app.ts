/// <reference types="@koa/bodyparser" preserve="true" />
// The Koa skeleton every Bazar service is built on: error middleware first, X-Served-By, JSON-only bodies with a
// size limit, liveness, readiness and Prometheus metrics. A service adds its own routers on top.
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa from 'koa';
import { hasBody } from 'type-is';
import { Deadline, deadlineHeader } from '../deadline';
import { AppError } from '../errors';
import type { Logger } from '../logger';
import { metricsRegistry } from '../metrics';
import { errorMiddleware } from './error-middleware';

export interface BaseAppOptions {
  log: Logger;
  servedBy: string;
  bodyLimit: string;
  /** Resolves when the service can do its job; throws (or returns false) when it cannot. */
  ready: () => Promise<boolean>;
  /** Budget of a request (REQUEST_DEADLINE_MS): `ctx.state.deadline` is at most this far away. */
  deadlineMs: number;
  /** Internal services take their caller's X-Bazar-Deadline-Ms; the public frontend sets its own. */
  deadlineFromCaller: boolean;
}

declare module 'koa' {
  interface DefaultState {
    /** When this request must be answered by (DESIGN I10). */
    deadline: Deadline;
  }
}

const methodsWithBody = new Set(['POST', 'PUT', 'PATCH']);

export function createBaseApp(opts: BaseAppOptions): Koa {
  const app = new Koa();
  app.proxy = false;
  app.silent = true; // errors are logged once, by errorMiddleware
  app.use(errorMiddleware(opts.log));
  // Access log at debug level (off by default): with tracing on, pino's instrumentation adds trace_id/span_id.
  app.use(async (ctx, next) => {
    const started = performance.now();
    await next();
    opts.log.debug(
      { method: ctx.method, path: ctx.path, status: ctx.status, ms: performance.now() - started },
      'request',
    );
  });
  app.use(async (ctx, next) => {
    const sent = opts.deadlineFromCaller ? ctx.get(deadlineHeader) || undefined : undefined;
    ctx.state.deadline = Deadline.fromHeader(sent, opts.deadlineMs);
    ctx.set('X-Served-By', opts.servedBy);
    // hasBody also sees chunked bodies, which carry no Content-Length; an explicit length of 0 is no body.
    const sendsBody = hasBody(ctx.req) && ctx.request.length !== 0;
    if (methodsWithBody.has(ctx.method) && sendsBody && !ctx.is('application/json')) {
      throw new AppError(415, 'unsupported_media_type', 'request bodies must be application/json');
    }
    await next();
  });
  app.use(bodyParser({ enableTypes: ['json'], jsonLimit: opts.bodyLimit, jsonStrict: true }));

  const health = new Router();
  health.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  health.get('/readyz', async (ctx) => {
    const ok = await opts.ready().catch(() => false);
    ctx.status = ok ? 200 : 503;
    ctx.body = ok
      ? { status: 'ready' }
      : { error: { code: 'not_ready', message: 'dependencies unavailable' } };
  });
  health.get('/metrics', async (ctx) => {
    ctx.type = metricsRegistry.contentType;
    ctx.body = await metricsRegistry.metrics();
  });
  app.use(health.routes());
  return app;
}

/** Mounts a router; a known path with another method is 405 with `Allow` (errorMiddleware renders it). */
export function mount(app: Koa, router: Router): void {
  app.use(router.routes());
  app.use(router.allowedMethods());
}
