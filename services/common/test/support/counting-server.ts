// A tiny real HTTP server that counts what reaches it: requests, /readyz probes, connections. It answers JSON with
// a chosen status and X-Served-By, and can be stopped and started again on the same address.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';

export class CountingServer {
  hits = 0;
  probes = 0;
  connections = 0;
  /** Status of every non-probe answer; `/missing` always answers 404. */
  status = 200;
  private readonly server: Server;
  private readonly open = new Set<Socket>();

  private constructor(
    readonly host: string,
    public port: number,
  ) {
    this.server = createServer((req, res) => {
      const probe = req.url === '/readyz';
      if (probe) this.probes++;
      else this.hits++;
      const status = probe ? 200 : req.url === '/missing' ? 404 : this.status;
      res.writeHead(status, { 'content-type': 'application/json', 'x-served-by': this.url });
      res.end(
        JSON.stringify(status < 400 ? { servedBy: this.url } : { error: { code: `status_${status}` } }),
      );
    });
    this.server.on('connection', (socket: Socket) => {
      this.connections++;
      this.open.add(socket);
      socket.on('close', () => this.open.delete(socket));
    });
  }

  static async start(host = '127.0.0.1', port = 0): Promise<CountingServer> {
    const s = new CountingServer(host, port);
    await s.listen();
    return s;
  }

  get url(): string {
    return `http://${this.host}:${this.port}`;
  }

  get openConnections(): number {
    return this.open.size;
  }

  /** Stops listening and drops every connection, like a killed pod. */
  async stop(): Promise<void> {
    const closed = once(this.server, 'close');
    this.server.close();
    this.server.closeAllConnections();
    await closed;
  }

  /** Listens again on the same host and port. */
  async listen(): Promise<void> {
    this.server.listen(this.port, this.host);
    await once(this.server, 'listening');
    const address = this.server.address();
    if (address && typeof address === 'object') this.port = address.port;
  }
}

/** A URL on which nothing listens: a dead pod that refuses connections. */
export async function deadUrl(host = '127.0.0.1'): Promise<string> {
  const s = await CountingServer.start(host);
  await s.stop();
  return s.url;
}
