// A throwaway Redis server on loopback (no persistence) for the shared-cache tests and local runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onProcessExit } from './exit-cleanup';
import { freePort } from './ports';
import { waitFor } from './wait-for';

export class RedisServer {
  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly child: ChildProcess,
    private readonly forgetExitHook: () => void,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(binary = process.env.REDIS_SERVER ?? 'redis-server'): Promise<RedisServer> {
    const port = await freePort();
    const dir = await mkdtemp(join(tmpdir(), 'bazar-redis-'));
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ];
    const child = spawn(binary, args, { stdio: 'ignore' });
    child.once('error', () => undefined); // reported below as "never answered"
    const forget = onProcessExit(() => child.kill('SIGKILL'));
    const server = new RedisServer(port, dir, child, forget);
    try {
      await waitFor(`redis-server on port ${port} to answer PING`, () => ping(port), { timeoutMs: 10_000 });
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = once(this.child, 'exit');
      this.child.kill('SIGTERM');
      await exited;
    }
    this.forgetExitHook();
    await rm(this.dir, { recursive: true, force: true });
  }
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(500, () => socket.destroy());
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      resolve(data.toString().startsWith('+PONG'));
      socket.end();
    });
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}
