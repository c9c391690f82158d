// Admission and batching of reservations, per book, in the service that owns the row (DESIGN I1, I9, I10).
//
// A crowd buying one book does not pile onto its row lock and the connection pool: each book has one bounded line
// of waiting orders on this pod, and one batch at a time goes to the database — every order waiting when the
// previous batch ended, up to `batchMax`, in one statement and one commit (reserve_copies: the first k get the k
// copies left, the rest none). A book known to be sold out is answered from a lock-free read, without the line.
// A full line, or an order whose deadline leaves too little time for a statement and its commit, is refused at
// once with 503 `busy`: nothing was done, so the caller may retry. A batch's statement is bounded by the deadline
// of its most pressed order, so whatever is in a batch is answered before its deadline.
import { busy, type Deadline, type TestGate } from '@bazar/common';
import type { CopyOutcome, Reservation } from './book';

/** The database operations the desk needs (books.repository, bound to the primary). */
export interface ReservationStore {
  /** `timeLimitMs` bounds the statement; its commit may take up to the desk's `commitTailMs` more. */
  reserveCopies(bookId: number, orderIds: string[], timeLimitMs: number): Promise<CopyOutcome[]>;
  stockAndReservation(
    bookId: number,
    orderId: string,
  ): Promise<{ quantity: number | undefined; reservation: Reservation | undefined }>;
}

export interface ReservationDeskOptions {
  /** Orders that may wait for one book on this pod; more are refused with 503 busy. */
  queueMax: number;
  /** Orders in one statement. */
  batchMax: number;
  /** What a commit may take after its statement (standby wait + read-lease wait; see commitTailMs). */
  commitTailMs: number;
  /** The least time a batch statement is given; an order with less time left than this plus the tail is refused. */
  minStatementMs: number;
  /** Told before every batch's statement (the frontends hear that a write is in flight); returns its write id. */
  beforeBatch: (bookId: number, deadline: Deadline) => Promise<string>;
  /** TEST_HOOKS only: batches wait here after their commit, before the fan-out (a pod can be killed there). */
  afterCommit?: TestGate;
  /** Told about every batch once it committed, before any of its orders is answered (the cache fan-out). */
  onBatch: (bookId: number, writeId: string, outcomes: CopyOutcome[]) => Promise<void>;
}

interface Waiting {
  orderId: string;
  deadline: Deadline;
  resolve: (outcome: CopyOutcome) => void;
  reject: (err: unknown) => void;
}

export class ReservationDesk {
  readonly stats = { batches: 0, batchedOrders: 0, refusedBusy: 0, soldOutAnswers: 0 };
  private readonly lines = new Map<number, Waiting[]>();
  /** Books whose last batch left no copy: answered from a lock-free read until one is seen in stock. */
  private readonly soldOut = new Set<number>();

  constructor(
    private readonly store: ReservationStore,
    private readonly opts: ReservationDeskOptions,
  ) {}

  /** Orders now waiting in a line (all books). */
  get waiting(): number {
    let n = 0;
    for (const line of this.lines.values()) n += line.length;
    return n;
  }

  async take(bookId: number, orderId: string, deadline: Deadline): Promise<CopyOutcome> {
    if (!this.fits(deadline)) throw this.refuse('too little time is left');
    if (this.soldOut.has(bookId)) {
      const known = await this.answerSoldOut(bookId, orderId);
      if (known) return known;
    }
    let line = this.lines.get(bookId);
    if (line && line.length >= this.opts.queueMax)
      throw this.refuse(`too many purchases of book ${bookId} wait`);
    const outcome = new Promise<CopyOutcome>((resolve, reject) => {
      const waiting = { orderId, deadline, resolve, reject };
      if (line) line.push(waiting);
      else void this.serve(bookId, (line = [waiting]));
    });
    return outcome;
  }

  /** Without the line: a replay or a sold-out answer when the stock is 0; undefined when copies are back. */
  private async answerSoldOut(bookId: number, orderId: string): Promise<CopyOutcome | undefined> {
    const { quantity, reservation } = await this.store.stockAndReservation(bookId, orderId);
    if (reservation) return { orderId, kind: 'existing', reservation, book: null };
    if (quantity === undefined) return { orderId, kind: 'no_book', book: null };
    if (quantity > 0) {
      this.soldOut.delete(bookId);
      return undefined;
    }
    this.stats.soldOutAnswers++;
    return { orderId, kind: 'sold_out', book: null };
  }

  /** Runs batches for one book until its line is empty. */
  private async serve(bookId: number, line: Waiting[]): Promise<void> {
    this.lines.set(bookId, line);
    try {
      while (line.length > 0) {
        const batch = this.nextBatch(line);
        if (batch.length > 0) await this.run(bookId, batch);
      }
    } finally {
      this.lines.delete(bookId);
    }
  }

  /** The next batch; orders whose deadline can no longer fit a batch leave the line with 503 busy. */
  private nextBatch(line: Waiting[]): Waiting[] {
    const batch: Waiting[] = [];
    while (line.length > 0 && batch.length < this.opts.batchMax) {
      const w = line.shift()!;
      if (this.fits(w.deadline)) batch.push(w);
      else w.reject(this.refuse('its turn came too late'));
    }
    return batch;
  }

  /** True when a batch started now could still answer before `deadline`. */
  private fits(deadline: Deadline): boolean {
    return deadline.remainingMs >= this.opts.minStatementMs + this.opts.commitTailMs;
  }

  private async run(bookId: number, batch: Waiting[]): Promise<void> {
    const byOrder = new Map<string, Waiting[]>();
    for (const w of batch) byOrder.set(w.orderId, [...(byOrder.get(w.orderId) ?? []), w]);
    // The statement ends in time for the most pressed order of the batch, commit included.
    const pressed = batch.reduce(
      (a, w) => (w.deadline.remainingMs < a.remainingMs ? w.deadline : a),
      batch[0]!.deadline,
    );
    let writeId: string;
    let outcomes: CopyOutcome[];
    try {
      writeId = await this.opts.beforeBatch(bookId, pressed);
      // Telling the frontends may have waited out a lost pod's lease: nothing is done if time is now short.
      if (!this.fits(pressed)) throw this.refuse('the frontend pods took too long to hear of it');
      const limitMs = pressed.remainingMs - this.opts.commitTailMs;
      outcomes = await this.store.reserveCopies(bookId, [...byOrder.keys()], limitMs);
    } catch (err) {
      for (const w of batch) w.reject(err);
      return;
    }
    this.stats.batches++;
    this.stats.batchedOrders += batch.length;
    if (outcomes.some((o) => o.book?.quantity === 0)) this.soldOut.add(bookId);
    await this.opts.afterCommit?.pass();
    // The fan-out runs beside the next batch: only this batch's answers wait for it.
    void this.opts.onBatch(bookId, writeId, outcomes).then(
      () => answer(outcomes, byOrder),
      (err: unknown) => batch.forEach((w) => w.reject(err)),
    );
  }

  private refuse(why: string): Error {
    this.stats.refusedBusy++;
    return busy(`the catalog cannot take this purchase now (${why}); retry later`);
  }
}

/** Each order gets its outcome; a twin of an order in the same batch sees the first one's copy as existing. */
function answer(outcomes: CopyOutcome[], byOrder: Map<string, Waiting[]>): void {
  for (const o of outcomes) {
    const [first, ...twins] = byOrder.get(o.orderId) ?? [];
    first?.resolve(o);
    for (const t of twins) t.resolve(o.kind === 'reserved' ? { ...o, kind: 'existing' } : o);
  }
}
