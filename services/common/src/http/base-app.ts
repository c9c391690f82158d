/// <reference types="@koa/bodyparser" preserve="true" />
// The Koa skeleton every Bazar service is built on: error middleware first, X-Served-By, JSON-only bodies with a
// size limit, liveness and readiness. A service adds its own routers on top. (Prometheus metrics are served on a
// port of their own: lifecycle.ts.)
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa from 'koa';
import { hasBody } from 'type-is';
import { Deadline, deadlineHeader } from '../deadline';
import { AppError } from '../errors';
import type { Logger } from '../logger';
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
  /** Runs before the body is read (token checks), so a request without credentials is 401 whatever its body. */
  guard?: Koa.Middleware;
  /** Refuse state-changing requests from another site (the public frontend: CSRF). */
  sameOriginWrites?: boolean;
}

const changesState = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * A browser names the site a request comes from (`Sec-Fetch-Site`, `Origin`); a state-changing request from
 * another site is 403, so no page elsewhere can make a visitor buy. Clients that are not browsers send neither.
 */
function sameOriginWrites(): Koa.Middleware {
  return async (ctx, next) => {
    if (changesState.has(ctx.method)) {
      const fetchSite = ctx.get('sec-fetch-site');
      const origin = ctx.get('origin');
      let foreign = fetchSite === 'cross-site' || fetchSite === 'same-site';
      if (origin) {
        try {
          foreign ||= new URL(origin).host !== ctx.host;
        } catch {
          foreign = true; // "null" or garbage: not this site
        }
      }
      if (foreign)
        throw new AppError(403, 'cross_site_request', 'state-changing requests must come from this site');
    }
    await next();
  };
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
    await next();
  });
  // Who may ask is settled before anything of the body is read: a request without its token is 401, whatever it
  // sends; one from another site may not change anything.
  if (opts.sameOriginWrites) app.use(sameOriginWrites());
  if (opts.guard) app.use(opts.guard);
  app.use(async (ctx, next) => {
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
  app.use(health.routes());
  return app;
}

/** Mounts a router; a known path with another method is 405 with `Allow` (errorMiddleware renders it). */
export function mount(app: Koa, router: Router): void {
  app.use(router.routes());
  app.use(router.allowedMethods());
}
