// Every reservation becomes exactly one order (DESIGN I11). A purchase whose order pods all failed after the
// catalog reserved its copy leaves a reservation without an order, and its client may never come back. Each order
// pod runs this reconciler: every RECONCILE_INTERVAL_MS it asks the catalog for the reservations not yet settled
// that are older than a request deadline plus a grace (so no purchase still running can be placing them), records
// the orders that are missing (the same id: a later retry with the key finds that order), and settles them all.
// Completing, not releasing: the buyer was told the outcome is unknown and to retry with the key, and the copy
// was really taken for that key; releasing it would turn such a retry into a second purchase attempt that may
// find the book sold out. Both order pods may run at once: inserts and settling are idempotent.
import type { Database, Logger } from '@bazar/common';
import * as orders from '../data-access/orders.repository';
import type { CatalogGateway } from '../gateways/catalog.gateway';

export interface ReconcilerOptions {
  intervalMs: number;
  /** Reservations younger than this are left alone: a purchase may still be placing them. */
  minAgeMs: number;
  batch: number;
  log: Logger;
}

export class ReservationReconciler {
  readonly stats = { runs: 0, completed: 0, settled: 0, failures: 0 };
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly db: Database,
    private readonly catalog: CatalogGateway,
    private readonly opts: ReconcilerOptions,
  ) {}

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.timer = setTimeout(() => void this.runOnce().finally(tick), this.opts.intervalMs);
      this.timer.unref();
    };
    tick();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** One pass: completes and settles up to `batch` reservations per round until none is left. */
  async runOnce(): Promise<void> {
    this.stats.runs++;
    try {
      for (;;) {
        const due = await this.catalog.unsettled(this.opts.minAgeMs, this.opts.batch);
        if (due.length === 0) return;
        const added = await this.db.write((tx) => orders.insertMissingOrders(tx, due));
        if (added.length > 0) {
          this.stats.completed += added.length;
          this.opts.log.warn(
            { orderIds: added },
            'recorded orders whose purchases had failed after the reservation',
          );
        }
        await this.catalog.settle(due.map((r) => r.orderId));
        this.stats.settled += due.length;
        if (due.length < this.opts.batch) return;
      }
    } catch (err) {
      this.stats.failures++;
      this.opts.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'reconciler pass failed');
    }
  }
}
