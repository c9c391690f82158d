// Keeps one of the launcher's own servers (Postgres, Redis) running the way a kubelet keeps a container: checks it
// every second, and when it is gone starts it again, with backoff (1 s doubling to 30 s, back to 1 s once it has
// run for a minute), telling `report` each time. The pods are supervised by ServiceProcess itself.
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';

export interface SupervisorOptions {
  name: string;
  alive: () => boolean;
  restart: () => Promise<void>;
  report: (message: string) => void;
}

export class Supervisor {
  private stopped = false;
  private readonly done: Promise<void>;

  constructor(private readonly opts: SupervisorOptions) {
    this.done = this.watch();
  }

  /** Ends the supervision (before the server is stopped on purpose); resolves once a restart under way is over. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }

  private async watch(): Promise<void> {
    let crashes = 0;
    let upSince = performance.now();
    while (!this.stopped) {
      await delay(1_000, undefined, { ref: false });
      if (this.stopped || this.opts.alive()) continue;
      crashes = performance.now() - upSince >= 60_000 ? 1 : crashes + 1;
      for (let attempt = crashes; !this.stopped; attempt++) {
        const waitMs = Math.min(1_000 * 2 ** (attempt - 1), 30_000);
        this.opts.report(
          `${this.opts.name} ${attempt === crashes ? 'is gone' : 'did not come back'}: restarting in ${waitMs / 1000} s`,
        );
        await delay(waitMs, undefined, { ref: false });
        if (this.stopped) return;
        try {
          await this.opts.restart();
          this.opts.report(`${this.opts.name} is back`);
          upSince = performance.now();
          break;
        } catch (err) {
          this.opts.report(
            `${this.opts.name}: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`,
          );
        }
      }
    }
  }
}
