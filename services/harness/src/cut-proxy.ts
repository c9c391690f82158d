// A TCP proxy on loopback whose network a test can cut: while cut, bytes are neither forwarded nor refused — the
// connections just go silent, as when packets are dropped — until it is mended. Used to cut a frontend pod off
// the catalog pods that push to it while it keeps serving its own clients.
import { type Server, type Socket, createConnection, createServer } from 'node:net';

export class CutProxy {
  private target: number | undefined;
  private cut = false;
  private readonly pairs = new Set<[Socket, Socket]>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<CutProxy> {
    const server = createServer((client) => proxy.accept(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = new CutProxy(server, (server.address() as { port: number }).port);
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Where to forward to (a port on loopback); connections made before wait for it. */
  forwardTo(port: number): void {
    this.target = port;
  }

  /** From now on nothing passes, in either direction, on old or new connections. */
  cutOff(): void {
    this.cut = true;
    for (const [a, b] of this.pairs) {
      a.pause();
      b.pause();
    }
  }

  mend(): void {
    this.cut = false;
    for (const [a, b] of this.pairs) {
      a.resume();
      b.resume();
    }
  }

  async stop(): Promise<void> {
    for (const [a, b] of this.pairs) {
      a.destroy();
      b.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    client.pause();
    const connect = () => {
      if (this.target === undefined || this.cut) {
        setTimeout(connect, 20).unref();
        return;
      }
      const upstream = createConnection({ host: '127.0.0.1', port: this.target });
      const pair: [Socket, Socket] = [client, upstream];
      this.pairs.add(pair);
      const close = () => {
        this.pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
      client.pipe(upstream);
      upstream.pipe(client);
      if (!this.cut) client.resume();
      else upstream.pause();
    };
    connect();
  }
}
