// What the frontend serves, as plain data.
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

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Order {
  orderId: string;
  bookId: number;
  title: string;
  price: number;
  createdAt: string;
}

/** A value and the upstream pod that produced it (undefined when the cache answered). */
export interface Served<T> {
  value: T;
  servedBy?: string;
}
