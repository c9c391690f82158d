// One of our services as a separate OS process, started through its container entry point.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { onProcessExit } from './exit-cleanup';
import { LineBuffer } from './line-buffer';

export interface ServiceProcessOptions {
  name: string;
  /** Absolute path of the compiled entry point, e.g. services/catalog/dist/src/main.js. */
  entry: string;
  env?: Record<string, string>;
  port: number;
  /** METRICS_PORT of the pod (where GET /metrics answers); without it, any free port that nobody is told of. */
  metricsPort?: number;
  readyPath?: string;
  /**
   * The longest start() waits for readyPath to answer 200 (default 10 min). It gives up sooner only when the
   * process exits, or stalls: no CPU time used and no line printed for `stallMs`.
   */
  readyTimeoutMs?: number;
  /** How long a starting process may show no sign of progress before start() gives up (default 60 s). */
  stallMs?: number;
  /** Told every `slowReportMs` (default 15 s) that start() still waits: which pod, how long, what it last printed. */
  onSlow?: (message: string) => void;
  slowReportMs?: number;
  /**
   * Supervised like a kubelet's pod: when the process exits by itself (a crash, a kill from outside) after it was
   * ready, it is started again with backoff (1 s doubling to 30 s; back to 1 s after a minute of running), and
   * told here of each exit and return. kill() and stop() end the supervision.
   */
  supervise?: (message: string) => void;
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
  /** Set by start(), cleared by kill()/stop(): a supervised process that exits while wanted is started again. */
  private wanted = false;
  /** The current child answered ready (its exit is a crash to supervise, not a failed start). */
  private readyAt: number | undefined;
  private crashes = 0;
  private linesSeen = 0;

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
    this.wanted = true;
    this.spawnChild();
    await this.waitReady().catch((err: unknown) => {
      this.wanted = false;
      throw err;
    });
  }

  /** Polls readyPath with backoff while the process lives and makes progress (CPU time or output). */
  private async waitReady(): Promise<void> {
    const readyUrl = `${this.url}${this.opts.readyPath ?? '/readyz'}`;
    const timeoutMs = this.opts.readyTimeoutMs ?? 600_000;
    const stallMs = this.opts.stallMs ?? 60_000;
    const began = performance.now();
    let progressAt = began;
    let seen = { cpu: cpuSeconds(this.child?.pid), lines: this.linesSeen }; // at the last sign of progress
    const reportEveryMs = this.opts.slowReportMs ?? 15_000;
    let nextReport = began + reportEveryMs;
    let pauseMs = 50;
    let lastProblem: string;
    for (;;) {
      if (this.exitStatus) {
        const { code, signal } = await this.exitPromise;
        throw this.failure(`${this.name} exited before it was ready (code ${code}, signal ${signal})`);
      }
      try {
        await isReady(readyUrl);
        this.readyAt = performance.now();
        return;
      } catch (err) {
        lastProblem = err instanceof Error ? err.message : String(err);
      }
      const now = performance.now();
      const current = { cpu: cpuSeconds(this.child?.pid), lines: this.linesSeen };
      // Answering the probes costs a little CPU too: progress is a line printed, or a tenth of a second of CPU.
      if (current.cpu - seen.cpu >= 0.1 || current.lines !== seen.lines) {
        progressAt = now;
        seen = current;
      }
      const waited = `${((now - began) / 1000).toFixed(0)} s`;
      let reason: string | undefined;
      if (now - progressAt >= stallMs) {
        reason = `${this.name} made no progress for ${stallMs / 1000} s (no CPU time used, nothing printed)`;
      } else if (now - began >= timeoutMs) reason = `${this.name} was not ready after ${waited}`;
      if (reason) {
        await this.signal('SIGKILL');
        throw this.failure(`${reason}; ${readyUrl}: ${lastProblem}`);
      }
      if (now >= nextReport) {
        nextReport += reportEveryMs;
        const last = this.output(1)[0] ?? '(nothing yet)';
        this.opts.onSlow?.(
          `${this.name} is not ready after ${waited}, still starting (${current.cpu.toFixed(1)} s of CPU so far); last line: ${last.slice(0, 160)}`,
        );
      }
      await delay(pauseMs);
      pauseMs = Math.min(pauseMs * 2, 1_000);
    }
  }

  /** After a supervised process exited by itself: start it again, with backoff, until it is ready or unwanted. */
  private async superviseAfterExit(status: ExitStatus, ranMs: number): Promise<void> {
    const report = this.opts.supervise!;
    this.crashes = ranMs >= 60_000 ? 1 : this.crashes + 1;
    const how = status.signal ? `killed by ${status.signal}` : `exit code ${status.code}`;
    for (let attempt = this.crashes; this.wanted; attempt++) {
      const waitMs = Math.min(1_000 * 2 ** (attempt - 1), 30_000);
      report(
        `${this.name} ${attempt === this.crashes ? how : 'did not come back'}: restarting in ${waitMs / 1000} s`,
      );
      await delay(waitMs);
      if (!this.wanted || this.running) return;
      try {
        this.spawnChild();
        await this.waitReady();
        report(`${this.name} is back (pid ${this.pid})`);
        return;
      } catch (err) {
        report(`${this.name}: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`);
      }
    }
  }

  /** Sends `signal` and resolves once the process has exited. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    this.wanted = false;
    await this.signal(signal);
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    if (!this.running) return;
    this.child?.kill(signal);
    await this.exitPromise;
  }

  /** Graceful stop: SIGTERM, then SIGKILL if it has not exited within stopTimeoutMs. */
  async stop(): Promise<void> {
    this.wanted = false;
    if (!this.running) return;
    const timer = new AbortController();
    this.child?.kill('SIGTERM');
    const exited = await Promise.race([
      this.exitPromise.then(() => true),
      delay(this.opts.stopTimeoutMs ?? 5_000, false, { signal: timer.signal }).catch(() => false),
    ]);
    timer.abort();
    if (!exited) await this.signal('SIGKILL');
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
    this.readyAt = undefined;
    const forgetExitHook = onProcessExit(() => child.kill('SIGKILL'));
    const log = this.opts.logFile ? createWriteStream(this.opts.logFile, { flags: 'a' }) : undefined;
    captureLines(child, (line) => {
      this.linesSeen++;
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
      if (this.opts.supervise && this.wanted && this.readyAt !== undefined) {
        void this.superviseAfterExit(status, performance.now() - this.readyAt);
      }
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

/** CPU time (user + system, seconds) the process `pid` has used so far, from /proc; 0 where that is unknown. */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    // Fields after the command name (which may hold spaces): state is the first, utime the 12th, stime the 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').pop()!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** True on HTTP 200; throws otherwise, so a timeout reports the last status or connection error. */
async function isReady(url: string): Promise<true> {
  const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
  // Drain the body so the keep-alive socket is released.
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
  return true;
}
