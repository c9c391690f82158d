// The order service's domain types.
export interface Order {
  orderId: string;
  bookId: number;
  title: string;
  price: number;
  createdAt: string;
}

export interface OrderPage {
  items: Order[];
  nextCursor: string | null;
}

/** What the catalog granted: one copy of a book at a price, for one order id. */
export interface Reservation {
  orderId: string;
  bookId: number;
  title: string;
  price: number;
  version: number;
  replayed: boolean;
}
