// The ceiling for the cache-hit benchmark: node:http alone, in a process of its own, answering every request with
// the bytes of the JSON a cached GET /info/:id returns, serialised once, with the headers a hit carries. No Koa, no
// routing: what Node's HTTP server and the machine cost, and nothing else.
//   BODY_JSON='{"id":1,…}' PORT=18081 node loadtest/bench/bare-http.mjs
import { Buffer } from 'node:buffer';
import { createServer } from 'node:http';
import process from 'node:process';

const body = Buffer.from(JSON.stringify(JSON.parse(process.env.BODY_JSON ?? '{}')));
const server = createServer((_req, res) => {
  res.writeHead(200, {
    'X-Served-By': 'bare-http',
    'X-Cache': 'HIT',
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': body.length,
  });
  res.end(body);
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
