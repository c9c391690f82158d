// Free TCP ports on loopback for servers the harness starts (Postgres, services).
import { createServer } from 'node:net';

/**
 * Asks the kernel for an unused port by binding port 0, then releases it.
 * There is a small window in which another process could take the port; callers that
 * start a server on it get a clear "address in use" error rather than a silent clash.
 */
export function freePort(): Promise<number> {
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
