// Puts the connections of pglite-socket through PGlite's one backend a whole protocol exchange at a time.
//
// pglite-socket 0.2.17 queues single protocol messages and keeps a connection's messages together only inside a
// transaction (electric-sql/pglite#1046, open). An extended-query exchange (Parse, Bind, Describe, Execute, Sync) is
// not inside one, so under concurrency the exchanges of two connections interleave on the shared session: one
// connection's Bind then meets the other's unnamed statement ("unnamed prepared statement does not exist", or,
// worse, the other statement's rows — a sold-out round answered "no book with id 5"). And one failed message left
// its queue stuck for good. This queue, which the server takes in place of its own, hands the backend to one
// connection from its first message until the backend is idle again: after a Sync, a simple Query, a Terminate or
// the startup exchange, outside a transaction. A connection that goes away mid-exchange gets a Sync (ending an
// exchange that failed), and a rollback if it left a transaction open.
// The queue is also where a connection authenticates (ScramVerifier): nothing reaches the backend before that.
import type { PGlite } from '@electric-sql/pglite';
import { ScramVerifier } from './pglite-scram';

interface Pending {
  handlerId: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (err: Error) => void;
}

// Frontend messages after which the backend is back at ReadyForQuery (startup messages carry no type byte: 0).
const exchangeEnds = new Set(['S', 'Q', 'X', 'p', '\0']);
const syncMessage = new Uint8Array([0x53, 0, 0, 0, 4]);

export class PgliteSessionQueue {
  private queue: Pending[] = [];
  private running = false;
  /** The connection the backend belongs to until its exchange ends. */
  private owner: number | null = null;

  private readonly auth: ScramVerifier;

  constructor(
    private readonly db: PGlite,
    password: string,
  ) {
    this.auth = new ScramVerifier(password);
  }

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    const outcome = this.auth.handle(handlerId, message);
    if ('refuse' in outcome) return Promise.reject(new Error('authentication failed'));
    if ('reply' in outcome) {
      onData(outcome.reply);
      if (!('then' in outcome)) return Promise.resolve(outcome.reply.length);
      message = outcome.then; // authenticated: now the backend answers the startup message it was holding
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ handlerId, message, onData, resolve, reject });
      void this.run();
    });
  }

  getQueueLength(): number {
    return this.queue.length;
  }

  clearQueueForHandler(handlerId: number): void {
    this.auth.forget(handlerId);
    this.queue = this.queue.filter((p) => {
      if (p.handlerId !== handlerId) return true;
      p.reject(new Error('connection closed'));
      return false;
    });
  }

  /** Called when a connection closes: if it owned the backend, end its exchange and free the backend. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.owner !== handlerId) return;
    await this.db.runExclusive(async () => {
      await this.db.execProtocolRawStream(syncMessage, { onRawData: () => {} });
      if (this.db.isInTransaction()) await this.db.exec('ROLLBACK');
    });
    this.owner = null;
    void this.run();
  }

  private next(): Pending | undefined {
    if (this.owner === null) return this.queue.shift();
    const i = this.queue.findIndex((p) => p.handlerId === this.owner);
    return i === -1 ? undefined : this.queue.splice(i, 1)[0];
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let p = this.next(); p; p = this.next()) {
        this.owner = p.handlerId;
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(p.message, {
              onRawData: (data) => {
                bytes += data.length;
                p.onData(data);
              },
            }),
          );
          p.resolve(bytes);
        } catch (err) {
          p.reject(err instanceof Error ? err : new Error(String(err)));
        }
        const type = String.fromCharCode(p.message[0] ?? 0);
        if (exchangeEnds.has(type) && !this.db.isInTransaction()) this.owner = null;
      }
    } finally {
      this.running = false;
    }
  }
}
