// A throwaway Redis server on loopback (no persistence) for the shared-cache tests and local runs. It requires a
// password generated per run (in a config file only this user can read, never on the command line where any local
// user would see it), so another local user cannot read or poison the cache.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onProcessExit } from './exit-cleanup';
import { freePort } from './ports';
import { waitFor } from './wait-for';

export class RedisServer {
  private constructor(
    readonly port: number,
    readonly password: string,
    private readonly dir: string,
    private child: ChildProcess,
    private forgetExitHook: () => void,
    private readonly binary: string,
    private readonly args: string[],
  ) {}

  get pid(): number | undefined {
    return this.running() ? this.child.pid : undefined;
  }

  /** True while the server process runs. */
  running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts a server that died again, on the same port, with the same password (and, as before, no data). */
  async restart(): Promise<void> {
    if (this.running()) return;
    this.forgetExitHook();
    [this.child, this.forgetExitHook] = spawnRedis(this.binary, this.args);
    await waitFor(`redis-server on port ${this.port} to answer PING`, () => ping(this.port, this.password), {
      timeoutMs: 30_000,
    });
  }

  get url(): string {
    return `redis://:${this.password}@127.0.0.1:${this.port}`;
  }

  static async start(binary = process.env.REDIS_SERVER ?? 'redis-server'): Promise<RedisServer> {
    const port = await freePort();
    const dir = await mkdtemp(join(tmpdir(), 'bazar-redis-')); // mode 0700
    const password = randomBytes(24).toString('hex');
    const conf = join(dir, 'redis.conf');
    await writeFile(conf, `requirepass ${password}\n`, { mode: 0o600 });
    const args = [
      conf,
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
    const [child, forget] = spawnRedis(binary, args);
    const server = new RedisServer(port, password, dir, child, forget, binary, args);
    try {
      await waitFor(`redis-server on port ${port} to answer PING`, () => ping(port, password), {
        timeoutMs: 10_000,
      });
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

function spawnRedis(binary: string, args: string[]): [ChildProcess, () => void] {
  const child = spawn(binary, args, { stdio: 'ignore' });
  child.once('error', () => undefined); // reported by the caller as "never answered"
  return [child, onProcessExit(() => child.kill('SIGKILL'))];
}

/** AUTH then PING over RESP; true once both answer. */
function ping(port: number, password: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(500, () => socket.destroy());
    socket.once('connect', () => socket.write(`AUTH ${password}\r\nPING\r\n`));
    let answer = '';
    socket.on('data', (data) => {
      answer += data.toString();
      if (!answer.includes('\r\n', answer.indexOf('\r\n') + 2)) return; // wait for both replies
      resolve(answer === '+OK\r\n+PONG\r\n');
      socket.end();
    });
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}
