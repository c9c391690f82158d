// The catalog's rules: searching, changing books and reserving stock. Every write returns the new version.
import {
  type Database,
  annotate,
  conflict,
  decodeCursor,
  isUniqueViolation,
  notFound,
  toPage,
} from '@bazar/common';
import * as books from '../data-access/books.repository';
import type { InvalidationPublisher } from '../gateways/frontends.gateway';
import type { Book, BookChange, BookPage, Reservation, ReservationResult } from './book';

export class Catalog {
  constructor(
    private readonly db: Database,
    private readonly invalidations: InvalidationPublisher,
  ) {}

  async getBook(id: number): Promise<Book> {
    const book = await this.db.read((q) => books.findBook(q, id));
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

  /** Changes a book; every frontend pod has heard of the new version before this resolves. */
  async updateBook(id: number, change: BookChange): Promise<Book> {
    const book = await this.db.write(async (tx) => {
      const updated = await books.updateBook(tx, id, change);
      if (updated) return updated;
      if (!(await books.findBook(tx, id))) throw notFound(`no book with id ${id}`);
      throw conflict('insufficient_stock', 'quantityDelta would take the stock below zero');
    });
    annotate({ 'bazar.book.version': book.version });
    await this.invalidations.publish({ bookId: book.id, topic: book.topic, version: book.version });
    return book;
  }

  /**
   * Takes one copy of `bookId` for `orderId`, once: a repeat of the same order id (even concurrently, through any
   * catalog pod) returns the first reservation and takes nothing more (I1, I5).
   */
  async reserveStock(bookId: number, orderId: string): Promise<ReservationResult> {
    let outcome: books.ReserveOutcome;
    try {
      outcome = await books.reserveCopy(this.db.singleStatement, bookId, orderId);
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      return this.replay(await this.firstReservation(orderId), bookId); // a twin reserved first
    }
    if (outcome.kind === 'reserved') {
      const { reservation } = outcome;
      annotate({ 'bazar.book.version': reservation.version, 'bazar.reservation.replayed': false });
      await this.invalidations.publish({ bookId, topic: reservation.topic, version: reservation.version });
      return { reservation, replayed: false };
    }
    // Nothing taken: a repeat of a reservation that took the last copy must still replay, not fail.
    const existing = await this.db.readPrimary((q) => books.findReservation(q, orderId));
    if (existing) return this.replay(existing, bookId);
    if (!(await this.db.readPrimary((q) => books.findBook(q, bookId))))
      throw notFound(`no book with id ${bookId}`);
    throw conflict('out_of_stock', `book ${bookId} is sold out`);
  }

  private async firstReservation(orderId: string): Promise<Reservation> {
    const first = await this.db.readPrimary((q) => books.findReservation(q, orderId));
    // The conflicting row was committed before the unique check saw it, so it is there.
    if (!first) throw new Error(`reservation ${orderId} conflicted but cannot be found`);
    return first;
  }

  private replay(existing: Reservation, bookId: number): ReservationResult {
    if (existing.bookId !== bookId) {
      throw conflict('idempotency_conflict', `order ${existing.orderId} was already placed for another book`);
    }
    return { reservation: existing, replayed: true };
  }
}
