// The catalog's rules: searching, changing books and reserving stock. Every write returns the new version.
import {
  type Database,
  type Deadline,
  annotate,
  conflict,
  decodeCursor,
  notFound,
  toPage,
} from '@bazar/common';
import * as books from '../data-access/books.repository';
import type { InvalidationPublisher } from '../gateways/frontends.gateway';
import type { Book, BookChange, BookPage, CopyOutcome, Reservation, ReservationResult } from './book';
import { ReservationDesk, type ReservationDeskOptions } from './reservation-desk';

export class Catalog {
  private readonly desk: ReservationDesk;

  constructor(
    private readonly db: Database,
    private readonly invalidations: InvalidationPublisher,
    desk: Omit<ReservationDeskOptions, 'onBatch'>,
  ) {
    this.desk = new ReservationDesk(
      {
        reserveCopies: (bookId, orderIds, limitMs) =>
          books.reserveCopies(db.singleStatement(limitMs), bookId, orderIds),
        stockAndReservation: (bookId, orderId) =>
          db.readPrimary((q) => books.stockAndReservation(q, bookId, orderId)),
      },
      { ...desk, onBatch: (bookId, outcomes) => this.announceBatch(bookId, outcomes) },
    );
  }

  get reservations(): ReservationDesk {
    return this.desk;
  }

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
        return this.replay(got.reservation, bookId);
      case 'no_book':
        throw notFound(`no book with id ${bookId}`);
      case 'sold_out':
        throw conflict('out_of_stock', `book ${bookId} is sold out`);
    }
  }

  /**
   * A batch committed: every frontend pod hears of the book's new version before any of its orders is answered.
   * A batch that only replayed reservations pushes too: the pod that made them may have died before its push.
   */
  private async announceBatch(bookId: number, outcomes: CopyOutcome[]): Promise<void> {
    let newest: Reservation | undefined;
    for (const o of outcomes) {
      if ((o.kind === 'reserved' || o.kind === 'existing') && o.reservation.bookId === bookId) {
        if (!newest || o.reservation.version > newest.version) newest = o.reservation;
      }
    }
    if (newest) await this.invalidations.publish({ bookId, topic: newest.topic, version: newest.version });
  }

  private replay(existing: Reservation, bookId: number): ReservationResult {
    if (existing.bookId !== bookId) {
      throw conflict('idempotency_conflict', `order ${existing.orderId} was already placed for another book`);
    }
    return { reservation: existing, replayed: true };
  }
}
