// One of our services as a separate OS process, started through its container entry point.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { onProcessExit } from './exit-cleanup';
import { LineBuffer } from './line-buffer';
import { waitFor } from './wait-for';

export interface ServiceProcessOptions {
  name: string;
  /** Absolute path of the compiled entry point, e.g. services/catalog/dist/src/main.js. */
  entry: string;
  env?: Record<string, string>;
  port: number;
  /** METRICS_PORT of the pod (where GET /metrics answers); without it, any free port that nobody is told of. */
  metricsPort?: number;
  readyPath?: string;
  /** How long start() waits for readyPath to answer 200 (default 15 s). */
  readyTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL (default 5 s). */
  stopTimeoutMs?: number;
  /** Also append every output line to this file. */
  logFile?: string;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class ServiceProcess {
  readonly name: string;
  readonly port: number;
  private readonly buffer = new LineBuffer(500);
  private child: ChildProcess | undefined;
  /** Resolves once the current child has exited and its output has been collected. */
  private exitPromise: Promise<ExitStatus> = Promise.resolve({ code: null, signal: null });
  private exitStatus: ExitStatus | undefined;

  constructor(private readonly opts: ServiceProcessOptions) {
    this.name = opts.name;
    this.port = opts.port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Where this pod serves GET /metrics (only when it was given a metricsPort). */
  get metricsUrl(): string {
    if (this.opts.metricsPort === undefined)
      throw new Error(`${this.name} was started without a metricsPort`);
    return `http://127.0.0.1:${this.opts.metricsPort}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.exitStatus === undefined;
  }

  /** How the last run ended; undefined while running or before the first start. */
  get lastExit(): ExitStatus | undefined {
    return this.exitStatus;
  }

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  /** Spawns the service and resolves once readyPath answers 200; rejects with its output otherwise. */
  async start(): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running (pid ${this.pid})`);
    this.spawnChild();
    const readyUrl = `${this.url}${this.opts.readyPath ?? '/readyz'}`;
    const outcome = await waitFor(
      `${this.name} to answer 200 on ${readyUrl}`,
      async () => (this.exitStatus ? 'exited' : (await isReady(readyUrl)) && 'ready'),
      { timeoutMs: this.opts.readyTimeoutMs ?? 15_000, intervalMs: 50 },
    ).catch(async (err: unknown) => {
      await this.kill();
      throw this.failure(err instanceof Error ? err.message : String(err));
    });
    if (outcome === 'exited') {
      const { code, signal } = await this.exitPromise;
      throw this.failure(`${this.name} exited before it was ready (code ${code}, signal ${signal})`);
    }
  }

  /** Sends `signal` and resolves once the process has exited. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.running) return;
    this.child?.kill(signal);
    await this.exitPromise;
  }

  /** Graceful stop: SIGTERM, then SIGKILL if it has not exited within stopTimeoutMs. */
  async stop(): Promise<void> {
    if (!this.running) return;
    const timer = new AbortController();
    this.child?.kill('SIGTERM');
    const exited = await Promise.race([
      this.exitPromise.then(() => true),
      delay(this.opts.stopTimeoutMs ?? 5_000, false, { signal: timer.signal }).catch(() => false),
    ]);
    timer.abort();
    if (!exited) await this.kill('SIGKILL');
  }

  /** Stops the service if it runs and starts it again on the same port. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Recent stdout and stderr lines, oldest first. */
  output(count?: number): string[] {
    return this.buffer.lines(count);
  }

  private spawnChild(): void {
    const child = spawn(process.execPath, [this.opts.entry], {
      env: {
        ...minimalEnv(),
        METRICS_PORT: String(this.opts.metricsPort ?? 0),
        ...this.opts.env,
        PORT: String(this.port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exitStatus = undefined;
    const forgetExitHook = onProcessExit(() => child.kill('SIGKILL'));
    const log = this.opts.logFile ? createWriteStream(this.opts.logFile, { flags: 'a' }) : undefined;
    captureLines(child, (line) => {
      this.buffer.push(line);
      log?.write(`${line}\n`);
    });
    const closed = new Promise((resolve) => child.once('close', resolve));
    const exited = new Promise<ExitStatus>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      // A spawn failure emits 'error' and no 'exit'.
      child.once('error', (err) => {
        this.buffer.push(`[harness] ${err.message}`);
        if (child.pid === undefined) resolve({ code: null, signal: null });
      });
    });
    this.exitPromise = exited.then(async (status) => {
      this.exitStatus = status;
      forgetExitHook();
      // Lines printed just before exit are still in the pipes: wait for them, so that once
      // kill()/stop() resolve, output() and the log file are complete. Bounded, because a
      // grandchild could keep the pipes open.
      await Promise.race([closed, delay(1_000, undefined, { ref: false })]);
      await new Promise((resolve) => (log ? log.end(resolve) : resolve(undefined)));
      return status;
    });
  }

  private failure(reason: string): Error {
    const tail = this.output(40).join('\n');
    return new Error(`${reason}\n--- last output of ${this.name} ---\n${tail}`);
  }
}

function captureLines(child: ChildProcess, onLine: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream, crlfDelay: Infinity }).on('line', onLine);
  }
}

/** Only what a process needs to run; the service's own settings come from `env`, as in a container. */
function minimalEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of ['PATH', 'HOME'] as const) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return env;
}

/** True on HTTP 200; throws otherwise, so a timeout reports the last status or connection error. */
async function isReady(url: string): Promise<true> {
  const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
  // Drain the body so the keep-alive socket is released.
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
  return true;
}
