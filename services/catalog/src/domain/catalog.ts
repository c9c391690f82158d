// The catalog's rules: searching, changing books and reserving stock. Every write returns the new version.
import { randomUUID } from 'node:crypto';
import {
  type Database,
  type Deadline,
  type Queryable,
  annotate,
  conflict,
  maxStock,
  decodeCursor,
  notFound,
  toPage,
} from '@bazar/common';
import * as books from '../data-access/books.repository';
import type { WriteAnnouncer } from '../gateways/invalidation-fanout';
import type { Book, BookChange, BookPage, CopyOutcome, Reservation, ReservationResult } from './book';
import { ReservationDesk, type ReservationDeskOptions } from './reservation-desk';

export class Catalog {
  private readonly desk: ReservationDesk;
  /** The least time a write needs once its frontends are told: one statement and its commit. */
  private readonly writeNeedsMs: number;

  constructor(
    private readonly db: Database,
    private readonly announcer: WriteAnnouncer,
    desk: Omit<ReservationDeskOptions, 'onBatch' | 'beforeBatch'>,
    /** Beyond a write's deadline, the longest its database work can still run (connect, statement, commit). */
    private readonly writeOverrunMs: number,
  ) {
    this.writeNeedsMs = desk.minStatementMs + desk.commitTailMs;
    this.desk = new ReservationDesk(
      {
        reserveCopies: (bookId, orderIds, limitMs) =>
          books.reserveCopies(db.singleStatement(limitMs), bookId, orderIds),
        stockAndReservation: (bookId, orderId) =>
          db.readPrimary((q) => books.stockAndReservation(q, bookId, orderId)),
      },
      {
        ...desk,
        beforeBatch: (bookId, deadline) => this.announceWrite(bookId, deadline),
        onBatch: (bookId, writeId, outcomes) => this.announceBatch(bookId, writeId, outcomes),
      },
    );
  }

  get reservations(): ReservationDesk {
    return this.desk;
  }

  /** One book; `fromPrimary` for a reader that must see every committed write (a write to it is in flight). */
  async getBook(id: number, fromPrimary = false): Promise<Book> {
    const find = (q: Queryable) => books.findBook(q, id);
    const book = await (fromPrimary ? this.db.readPrimary(find) : this.db.read(find));
    if (!book) throw notFound(`no book with id ${id}`);
    annotate({ 'bazar.book.version': book.version });
    return book;
  }

  async searchBooks(q: { topic?: string; cursor?: string; limit: number }): Promise<BookPage> {
    const afterId = q.cursor ? decodeCursor('b', q.cursor) : 0;
    const rows = await this.db.read((db) =>
      books.listBooks(db, { topic: q.topic, afterId, limit: q.limit + 1 }),
    );
    return toPage(
      rows,
      q.limit,
      'b',
      (b) => b.id,
      (b) => b,
    );
  }

  /**
   * Changes a book. Every frontend pod hears that the write is in flight before it commits, and of the new version
   * before this resolves (or is fenced off its cache first: see InvalidationFanout).
   */
  async updateBook(id: number, change: BookChange, deadline: Deadline): Promise<Book> {
    const writeId = await this.announceWrite(id, deadline);
    const book = await this.db.write(async (tx) => {
      const updated = await books.updateBook(tx, id, change);
      if (updated) return updated;
      const current = await books.findBook(tx, id);
      if (!current) throw notFound(`no book with id ${id}`);
      if (current.quantity + (change.quantityDelta ?? 0) > maxStock) {
        // 409, like the stock going below zero: the change is valid, the current stock makes it impossible.
        throw conflict('stock_limit', `quantityDelta would take the stock above ${maxStock}`);
      }
      throw conflict('insufficient_stock', 'quantityDelta would take the stock below zero');
    });
    annotate({ 'bazar.book.version': book.version });
    await this.announcer.publish({ bookId: book.id, topic: book.topic, version: book.version, writeId });
    return book;
  }

  /**
   * Takes one copy of `bookId` for `orderId`, once: a repeat of the same order id (even concurrently, through any
   * catalog pod) returns the first reservation and takes nothing more (I1, I5). Waits in the book's line (see
   * ReservationDesk), answering before `deadline`.
   */
  async reserveStock(bookId: number, orderId: string, deadline: Deadline): Promise<ReservationResult> {
    const got = await this.desk.take(bookId, orderId, deadline);
    switch (got.kind) {
      case 'reserved':
        annotate({ 'bazar.book.version': got.reservation.version, 'bazar.reservation.replayed': false });
        return { reservation: got.reservation, replayed: false };
      case 'existing':
        annotate({ 'bazar.reservation.replayed': true });
        // Answered without a batch (the book is sold out): push its version as a batch would (hole 1).
        if (got.book === null && got.reservation.bookId === bookId) {
          const { topic, version } = got.reservation;
          await this.announcer.publish({ bookId, topic, version });
        }
        return this.replay(got.reservation, bookId);
      case 'no_book':
        throw notFound(`no book with id ${bookId}`);
      case 'sold_out':
        throw conflict('out_of_stock', `book ${bookId} is sold out`);
    }
  }

  /** Tells the frontends a write to `bookId` is in flight; returns the write's id, which its invalidation ends. */
  private async announceWrite(bookId: number, deadline: Deadline): Promise<string> {
    const writeId = randomUUID();
    // A wait for a fenced frontend pod may use what the write itself does not need (a statement and its commit).
    const maxWaitMs = deadline.remainingMs - this.writeNeedsMs;
    await this.announcer.prepare(
      { bookId, writeId, ttlMs: deadline.remainingMs + this.writeOverrunMs },
      maxWaitMs,
    );
    return writeId;
  }

  /**
   * A batch committed: every frontend pod hears of the book as the batch left it before any of its orders is
   * answered — also when it took nothing (the write mark ends) or only replayed reservations (the pod that made
   * them may have died before its push: hole 1 of issue 17).
   */
  private async announceBatch(bookId: number, writeId: string, outcomes: CopyOutcome[]): Promise<void> {
    const book = outcomes.find((o) => o.book !== null)?.book;
    if (book) await this.announcer.publish({ bookId, topic: book.topic, version: book.version, writeId });
  }

  /** Reservations whose orders the order service has not confirmed yet, made more than `olderThanMs` ago. */
  unsettledReservations(olderThanMs: number, limit: number): Promise<Reservation[]> {
    return this.db.readPrimary((q) => books.unsettledReservations(q, olderThanMs, limit));
  }

  /** The order service confirmed these reservations' orders exist. */
  settleReservations(orderIds: string[]): Promise<number> {
    return this.db.write((tx) => books.settleReservations(tx, orderIds));
  }

  private replay(existing: Reservation, bookId: number): ReservationResult {
    if (existing.bookId !== bookId) {
      throw conflict('idempotency_conflict', `order ${existing.orderId} was already placed for another book`);
    }
    return { reservation: existing, replayed: true };
  }
}
