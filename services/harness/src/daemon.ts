// A long-running helper process of the harness (etcd, Patroni, HAProxy): spawned as the servers' OS user, its output
// appended to a log file, stopped with a signal and waited for, and killed if the host process exits without it.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { onProcessExit } from './exit-cleanup';
import type { OsUser } from './pg-tools';

export interface DaemonOptions {
  label: string;
  command: string;
  args: string[];
  logFile: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  runAs?: OsUser;
}

export class Daemon {
  private child: ChildProcess | undefined;
  private forgetExitHook: (() => void) | undefined;

  constructor(private readonly opts: DaemonOptions) {}

  get label(): string {
    return this.opts.label;
  }

  get pid(): number | undefined {
    return this.running() ? this.child?.pid : undefined;
  }

  running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Spawns it (again, once it has exited); fails only if it cannot be spawned at all. */
  async start(): Promise<void> {
    if (this.running()) return;
    const log = createWriteStream(this.opts.logFile, { flags: 'a' });
    const child = spawn(this.opts.command, this.opts.args, {
      cwd: this.opts.cwd,
      env: this.opts.env,
      uid: this.opts.runAs?.uid,
      gid: this.opts.runAs?.gid,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.once('exit', () => log.end());
    this.child = child;
    this.forgetExitHook?.();
    this.forgetExitHook = onProcessExit(() => child.kill('SIGKILL'));
    await Promise.race([
      once(child, 'spawn'),
      once(child, 'error').then(([err]) => {
        throw new Error(`${this.opts.label}: cannot start ${this.opts.command}: ${String(err)}`);
      }),
    ]);
  }

  /** Sends `signal` and waits until the process has exited (SIGKILL after `graceMs`). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 30_000): Promise<void> {
    const child = this.child;
    if (child && this.running()) {
      const exited = once(child, 'exit');
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
    this.forgetExitHook?.();
    this.forgetExitHook = undefined;
  }

  logText(): string {
    return existsSync(this.opts.logFile) ? readFileSync(this.opts.logFile, 'utf8') : '';
  }

  /** The last `lines` lines of its log, headed by its label. */
  logTail(lines = 40): string {
    const text = this.logText();
    return `--- ${this.opts.label} log (${this.opts.logFile}) ---\n${text.trimEnd().split('\n').slice(-lines).join('\n')}`;
  }
}
