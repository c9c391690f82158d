// The catalog's domain types: plain data, no framework.
export interface Book {
  id: number;
  title: string;
  topic: string;
  price: number;
  quantity: number;
  version: number;
}

export interface BookSummary {
  id: number;
  title: string;
}

export interface BookPage {
  items: BookSummary[];
  /** Pass back as `cursor` to get the next page; null on the last page. */
  nextCursor: string | null;
}

export interface BookChange {
  price?: number;
  quantity?: number;
  quantityDelta?: number;
}

export interface Reservation {
  orderId: string;
  bookId: number;
  title: string;
  topic: string;
  price: number;
  /** The book's version right after this reservation took its copy. */
  version: number;
  reservedAt: string;
}

/** The outcome of reserving: `replayed` when the order id had already reserved (nothing new happened). */
export interface ReservationResult {
  reservation: Reservation;
  replayed: boolean;
}

/** The book as a batch of reservations left it (null when there is no such book). */
export interface BookAfter {
  quantity: number;
  topic: string;
  version: number;
}

/** What one order id of a batch of reservations got: a new copy, the reservation it already had, or nothing. */
export type CopyOutcome =
  | { orderId: string; kind: 'reserved' | 'existing'; reservation: Reservation; book: BookAfter | null }
  | { orderId: string; kind: 'sold_out' | 'no_book'; book: BookAfter | null };
