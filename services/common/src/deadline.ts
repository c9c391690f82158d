// One deadline per request (DESIGN I10). The frontend gives each public request a budget; every hop passes the
// time its callee may use in the X-Bazar-Deadline-Ms header (milliseconds left, so no two clocks need agree), and
// every wait inside a hop — a queue, a pool, a statement, a call to the next hop — fits in what is left. So a
// caller never gives up on work its callee is still doing: the callee has answered, or is dead, by then.
import { performance } from 'node:perf_hooks';

export const deadlineHeader = 'x-bazar-deadline-ms';

/** Time a caller keeps for itself around one call: the answer's way back and the caller's own last steps. */
export const hopMarginMs = (budgetMs: number) => Math.max(25, Math.round(budgetMs * 0.05));

export class Deadline {
  private constructor(private readonly at: number) {}

  static in(ms: number): Deadline {
    return new Deadline(performance.now() + Math.max(0, ms));
  }

  /**
   * The deadline a caller sent in X-Bazar-Deadline-Ms, never later than `capMs` from now; `capMs` when the header
   * is absent or malformed.
   */
  static fromHeader(value: string | undefined, capMs: number): Deadline {
    const sent = value !== undefined && /^[0-9]{1,9}$/.test(value) ? Number(value) : capMs;
    return Deadline.in(Math.min(sent, capMs));
  }

  get remainingMs(): number {
    return Math.max(0, Math.floor(this.at - performance.now()));
  }

  /** This deadline moved `ms` earlier: what is left once `ms` are kept back for later steps. */
  less(ms: number): Deadline {
    return new Deadline(this.at - ms);
  }
}
