// Free TCP ports on loopback for servers the harness starts (Postgres, services).
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * Ports are planned before their servers start (every pod is told where the others are), so a port handed out
 * must stay free until its server binds it. A port the kernel picks for `listen(0)` comes from the ephemeral range,
 * which every outgoing connection on the machine draws from too: under load one of them takes it first, and the
 * server fails with EADDRINUSE. So ports come from below that range (and below Kubernetes' NodePort range,
 * 30000–32767, which a local cluster's kube-proxy may claim): random, checked by binding, never handed out twice
 * by this process.
 */
const RANGE = { low: 20_000, high: Math.min(29_999, ephemeralLow() - 1) };
const handedOut = new Set<number>();

export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200 && RANGE.high > RANGE.low; attempt++) {
    const port = RANGE.low + Math.floor(Math.random() * (RANGE.high - RANGE.low + 1));
    if (handedOut.has(port)) continue;
    if (await canBind(port)) {
      handedOut.add(port);
      return port;
    }
  }
  // A machine whose ephemeral range starts low: let the kernel choose (the old, racy way).
  const port = await bindAny();
  handedOut.add(port);
  return port;
}

function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port }, () => server.close(() => resolve(true)));
  });
}

function bindAny(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('freePort: server has no TCP address'));
        return;
      }
      server.close((err) => (err ? reject(err) : resolve(address.port)));
    });
  });
}
