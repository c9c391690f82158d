// Process lifecycle shared by every service's main.ts: listen, log where, and on SIGTERM/SIGINT stop accepting,
// drain in-flight requests (bounded), then release resources (pools, timers) and exit.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type Koa from 'koa';
import type { Logger } from './logger';
import { metricsRegistry } from './metrics';
import { shutdownTelemetry } from './telemetry/start';

export interface RunningService {
  server: Server;
  port: number;
  metricsPort: number;
  close(): Promise<void>;
}

export interface ListenOptions {
  app: Koa;
  host: string;
  port: number;
  /** Where GET /metrics is served (METRICS_PORT), apart from the API so that it need not be reachable by clients. */
  metricsPort: number;
  log: Logger;
  drainMs: number;
  /** Called as the drain starts, beside it (the frontend stops serving cache hits and releases its leases). */
  onDrain?: () => Promise<void>;
  /** Called after the server stopped accepting and drained: close pools, stop monitors. */
  onClose: () => Promise<void>;
}

/** How long a keep-alive connection may sit idle during a drain before it is closed (its client is done with it). */
const IDLE_GRACE_MS = 1_000;

export async function listen(opts: ListenOptions): Promise<RunningService> {
  // A client that trickles its headers or body (slowloris) is cut off: headers within 10 s, the whole request
  // within 30 s, checked every second (Node's default keeps such sockets 300 s, checked every 30 s).
  const server = createServer(
    { headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 1_000 },
    opts.app.callback(),
  );
  server.keepAliveTimeout = 65_000; // outlive typical load-balancer idle timeouts
  // Once closing, every answer says `Connection: close` and its connection ends after it: a keep-alive client
  // (another pod's pool, kube-proxy) then opens its next request elsewhere, instead of reusing a connection that the
  // drain deadline would cut in the middle of a request.
  let draining = false;
  const answering = new Set<ServerResponse>();
  const connections = new Map<Socket, { busy: number; idleSince: number }>();
  server.on('connection', (socket: Socket) => {
    connections.set(socket, { busy: 0, idleSince: performance.now() });
    socket.once('close', () => connections.delete(socket));
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (draining) res.shouldKeepAlive = false;
    answering.add(res);
    const connection = connections.get(req.socket);
    if (connection) connection.busy++;
    res.once('close', () => {
      answering.delete(res);
      if (connection) {
        connection.busy--;
        connection.idleSince = performance.now();
      }
    });
  });
  const port = await bind(server, opts.port, opts.host);
  const metrics = metricsServer();
  const metricsPort = await bind(metrics, opts.metricsPort, opts.host);
  opts.log.info({ host: opts.host, port, metricsPort }, 'listening');

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      opts.log.info('shutting down: no new connections, draining');
      draining = true;
      for (const res of answering) if (!res.headersSent) res.shouldKeepAlive = false;
      // Stop accepting, but unlike http.Server#close do not close the idle keep-alive connections at once: a client
      // may be sending its next request on one this very moment, and would meet a reset (a failed request, on a
      // POST not safely retried by the client). A connection in use gets its next answer with Connection: close
      // and ends after it; one left idle for IDLE_GRACE_MS is closed then.
      const drained = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
      const sweep = setInterval(() => {
        const now = performance.now();
        for (const [socket, c] of connections)
          if (c.busy === 0 && now - c.idleSince >= IDLE_GRACE_MS) socket.destroy();
      }, 100);
      const drainStep = opts
        .onDrain?.()
        .catch((err: unknown) =>
          opts.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'drain step failed'),
        );
      const timer = setTimeout(() => server.closeAllConnections(), opts.drainMs);
      await drained;
      clearInterval(sweep);
      clearTimeout(timer);
      await drainStep;
      metrics.closeAllConnections();
      await new Promise<void>((resolve) => metrics.close(() => resolve()));
      await opts.onClose();
      await shutdownTelemetry(); // flush the last spans
      opts.log.info('stopped');
    })());
  return { server, port, metricsPort, close };
}

async function bind(server: Server, port: number, host: string): Promise<number> {
  server.listen(port, host);
  await once(server, 'listening');
  const address = server.address();
  return typeof address === 'object' && address ? address.port : port;
}

/** Prometheus text at GET /metrics and nothing else; scrapers reach this port, clients do not. */
function metricsServer(): Server {
  return createServer({ headersTimeout: 10_000, requestTimeout: 30_000 }, (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'not_found', message: 'only /metrics is served here' } }));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'method_not_allowed', message: 'GET /metrics' } }));
      return;
    }
    metricsRegistry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': metricsRegistry.contentType });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (err: Error) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'internal', message: err.message } }));
      },
    );
  });
}

/** Runs `start` and wires termination signals; a failed start exits the process with status 1. */
export function runMain(name: string, start: () => Promise<RunningService>): void {
  start().then(
    (svc) => {
      const stop = (signal: string) => {
        process.stderr.write(`${name}: ${signal} received\n`);
        svc.close().then(
          () => process.exit(0),
          (err) => {
            process.stderr.write(`${name}: error while stopping: ${String(err)}\n`);
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    },
    (err: unknown) => {
      process.stderr.write(`${name}: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
