// The baseline for the cache-hit benchmark: a bare Koa 3 server, in a process of its own, that answers every
// request with the same JSON object a cached GET /info/:id returns (serialised per request, as the frontend does).
// No router, no middleware: what Koa and Node's HTTP server cost, and nothing else.
//   BODY_JSON='{"id":1,…}' PORT=18080 node loadtest/bench/bare-koa.mjs
import process from 'node:process';
import Koa from 'koa';

const book = JSON.parse(process.env.BODY_JSON ?? '{}');
const app = new Koa();
app.use((ctx) => {
  ctx.body = book;
});
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
