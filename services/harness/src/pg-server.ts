// One PostgreSQL server: its data directory, port and log, started and stopped with pg_ctl.
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { childPids, isProcessGone } from './process-table';
import type { PgTools } from './pg-tools';
import { waitFor } from './wait-for';

export type ShutdownMode = 'smart' | 'fast' | 'immediate';

export class PgServer {
  constructor(
    readonly label: string,
    readonly dataDir: string,
    readonly port: number,
    readonly logFile: string,
    private readonly socketDir: string,
    private readonly tools: PgTools,
  ) {}

  /** Starts the server and returns once it accepts connections (a standby: once it is consistent). */
  async start(timeoutSec = 60): Promise<void> {
    await this.removeStaleLocks();
    try {
      const args = ['start', '-w', '-t', String(timeoutSec), '-D', this.dataDir, '-l', this.logFile];
      await this.tools.run('pg_ctl', args);
    } catch (err) {
      // pg_ctl only says "examine the log output"; the reason is in the server log.
      throw new Error(`${this.label}: pg_ctl start failed\n${this.logTail(30)}`, { cause: err });
    }
  }

  /** Stops the server if it runs; a server already stopped or killed is not an error. */
  async stop(mode: ShutdownMode = 'fast'): Promise<void> {
    if (!this.isRunning()) return;
    await this.tools.run('pg_ctl', ['stop', '-w', '-m', mode, '-D', this.dataDir]);
  }

  /**
   * Sends `signal` to the postmaster and waits until it and all its children are gone. Waiting
   * for the children matters: a new postmaster refuses to start while an old backend still
   * holds the shared memory segment.
   */
  async kill(signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
    const pid = this.postmasterPid();
    if (pid === undefined || isProcessGone(pid)) return;
    const family = [pid, ...childPids(pid)];
    process.kill(pid, signal);
    await waitFor(
      `${this.label} postmaster ${pid} and its children to exit after ${signal}`,
      async () => family.every(isProcessGone),
      { timeoutMs },
    );
  }

  /** The PID recorded in postmaster.pid; the file outlives a killed server, so check isRunning(). */
  postmasterPid(): number | undefined {
    const pidFile = join(this.dataDir, 'postmaster.pid');
    if (!existsSync(pidFile)) return undefined;
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n', 1)[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  }

  isRunning(): boolean {
    const pid = this.postmasterPid();
    return pid !== undefined && !isProcessGone(pid);
  }

  /**
   * A killed postmaster leaves postmaster.pid and the socket lock file behind. Postgres treats
   * them as stale only if no process has that PID, but a killed postmaster can linger as a zombie
   * (PID 1 in a container may not reap), and Postgres then refuses to start. We only remove them
   * once the recorded process is verifiably gone.
   */
  private async removeStaleLocks(): Promise<void> {
    const pid = this.postmasterPid();
    if (pid === undefined || !isProcessGone(pid)) return;
    await rm(join(this.dataDir, 'postmaster.pid'), { force: true });
    await rm(join(this.socketDir, `.s.PGSQL.${this.port}.lock`), { force: true });
  }

  /** The last `lines` lines of the server log, headed by the server's label. */
  logTail(lines = 40): string {
    const text = existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
    const tail = text.trimEnd().split('\n').slice(-lines).join('\n');
    return `--- ${this.label} log (${this.logFile}) ---\n${tail}`;
  }
}
