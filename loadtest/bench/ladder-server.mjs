// The cache-hit path rebuilt a layer at a time, to price each layer (loadtest/bench/lib/ladder.mjs runs it): one
// process per VARIANT, answering GET /info/1 with the same JSON. The layers copy the frontend's shape, not its code:
//   bare          Koa, the book object as the body (serialised per request, as the frontend does)
//   bare-string   Koa, the book already serialised (a JSON string set once)
//   stack         the frontend's middleware chain in front of the route: an error catcher, an access-log timer
//                 (pino at level warn, so nothing is written), X-Served-By with the body-type check, the JSON
//                 body parser, a health router, and four routers each with routes() and allowedMethods()
//   cached        stack + what a hit does in the route: validate the id with zod, keyv.get over an lru.min store,
//                 a tombstone lookup, X-Cache
//   cached-string cached, but the cache holds the serialised JSON and the route sends it as is
//   BODY_JSON='{…}' VARIANT=stack PORT=0 node loadtest/bench/ladder-server.mjs
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Keyv from 'keyv';
import Koa from 'koa';
import { createLRU } from 'lru.min';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import pino from 'pino';
import { hasBody } from 'type-is';
import { z } from 'zod';

const book = JSON.parse(process.env.BODY_JSON ?? '{"id":1}');
const variant = process.env.VARIANT ?? 'bare';
const serialised = JSON.stringify(book);

function chain(app) {
  const log = pino({ level: 'warn' });
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      ctx.status = err.status ?? 500;
      ctx.body = { error: { code: 'error', message: String(err.message) } };
    }
  });
  app.use(async (ctx, next) => {
    const started = performance.now();
    await next();
    log.debug(
      { method: ctx.method, path: ctx.path, status: ctx.status, ms: performance.now() - started },
      'request',
    );
  });
  app.use(async (ctx, next) => {
    ctx.set('X-Served-By', 'frontend-0');
    const sendsBody = hasBody(ctx.req) && ctx.request.length !== 0;
    if (['POST', 'PUT', 'PATCH'].includes(ctx.method) && sendsBody && !ctx.is('application/json'))
      ctx.throw(415);
    await next();
  });
  app.use(bodyParser({ enableTypes: ['json'], jsonLimit: '64kb', jsonStrict: true }));
  const health = new Router();
  for (const path of ['/healthz', '/readyz']) health.get(path, (ctx) => (ctx.body = { status: 'ok' }));
  app.use(health.routes());
}

function mount(app, routes) {
  const router = new Router();
  for (const [method, path, handler] of routes)
    router[method](path, handler ?? ((ctx) => (ctx.status = 204)));
  app.use(router.routes());
  app.use(router.allowedMethods({ throw: true }));
}

function hitRoute(cachedValue) {
  const store = createLRU({ max: 100_000 });
  const keyv = new Keyv({
    store,
    ttl: 900_000,
    namespace: 'bazar',
    useKeyPrefix: false,
    serialize: undefined,
    deserialize: undefined,
  });
  const tombstones = createLRU({ max: 100_000 });
  const idParam = z
    .string()
    .regex(/^[1-9][0-9]{0,14}$/)
    .transform(Number);
  const ready = keyv.set('book:1', cachedValue);
  return async (ctx) => {
    await ready;
    const parsed = idParam.safeParse(ctx.params.id);
    if (!parsed.success) ctx.throw(400);
    const cached = await keyv.get(`book:${parsed.data}`);
    if (cached === undefined || (tombstones.get(parsed.data) ?? 0) > book.version) ctx.throw(404);
    ctx.set('X-Cache', 'HIT');
    if (typeof cached === 'string') ctx.type = 'json';
    ctx.body = cached;
  };
}

const app = new Koa();
if (variant === 'bare') app.use((ctx) => (ctx.body = book));
else if (variant === 'bare-string') {
  app.use((ctx) => {
    ctx.type = 'json';
    ctx.body = serialised;
  });
} else {
  chain(app);
  const info =
    variant === 'stack'
      ? (ctx) => (ctx.body = book)
      : hitRoute(variant === 'cached-string' ? serialised : book);
  mount(app, [
    ['get', '/search/:topic'],
    ['get', '/info/:id', info],
    ['patch', '/books/:id'],
  ]);
  mount(app, [
    ['post', '/purchase/:id'],
    ['get', '/orders'],
    ['get', '/orders/:id'],
  ]);
  mount(app, [['post', '/internal/invalidations']]);
  mount(app, [
    ['get', '/cache/stats'],
    ['get', '/replicas'],
    ['get', '/openapi.json'],
  ]);
}
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
