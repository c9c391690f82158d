// The exercise's seven books. Inserted when missing, so two pods starting together and restarts are harmless.
import type { Database } from '@bazar/common';
import { insertMissingBooks } from './books.repository';

const seedBooks = [
  {
    id: 1,
    title: 'How to get a good grade in DOS in 40 minutes a day',
    topic: 'distributed systems',
    price: 30,
  },
  { id: 2, title: 'RPCs for Noobs', topic: 'distributed systems', price: 50 },
  {
    id: 3,
    title: 'Xen and the Art of Surviving Undergraduate School',
    topic: 'undergraduate school',
    price: 50,
  },
  { id: 4, title: 'Cooking for the Impatient Undergrad', topic: 'undergraduate school', price: 50 },
  { id: 5, title: 'How to finish Project 3 on time', topic: 'distributed systems', price: 130 },
  { id: 6, title: 'Why theory classes are so hard', topic: 'undergraduate school', price: 20 },
  { id: 7, title: 'Spring in the Pioneer Valley', topic: 'undergraduate school', price: 150 },
];

export async function seedCatalog(db: Database, stock: number): Promise<number> {
  return db.write((tx) =>
    insertMissingBooks(
      tx,
      seedBooks.map((b) => ({ ...b, quantity: stock })),
    ),
  );
}
