#!/usr/bin/env node
// Fills the catalog database with generated books, for scale tests: ids from the current highest + 1 up to
// --books, in batched multi-row INSERTs (unnest of arrays, one statement per batch) over a few connections, then
// VACUUM ANALYZE, so the planner knows the table's new size and neither autovacuum nor hint-bit writes on first
// read run later, in the middle of a measurement. Rows that exist are never touched. 1,000,000 books take
// about 10 s on two cores (primary + synchronous replica on the same machine).
//
//   node loadtest/bench/generate-catalog.mjs --database-url postgres://catalog:…@127.0.0.1:5432/catalog --books 100000
//
// Titles, topics and prices are derived from the id, so a run is repeatable. Topics cycle through a fixed list that
// starts with the seed books' two topics, so searching a seed topic gets heavier as the catalog grows.
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';

export const TOPICS = [
  'distributed systems',
  'undergraduate school',
  'databases',
  'operating systems',
  'compilers',
  'networking',
  'cryptography',
  'machine learning',
  'graphics',
  'algorithms',
  'programming languages',
  'computer architecture',
  'security',
  'human-computer interaction',
  'theory of computation',
  'software engineering',
  'robotics',
  'information retrieval',
  'numerical methods',
  'cooking',
];
const ADJECTIVES = ['Practical', 'Gentle', 'Advanced', 'Hidden', 'Patient', 'Brief', 'Complete', 'Curious'];
const NOUNS = [
  'Guide to',
  'Notes on',
  'Field Manual of',
  'Secrets of',
  'Handbook of',
  'Essays on',
  'Tour of',
];

/** The generated book with this id (deterministic). */
export function bookFor(id, stock) {
  const topic = TOPICS[id % TOPICS.length];
  const title = `${ADJECTIVES[id % ADJECTIVES.length]} ${NOUNS[(id >> 3) % NOUNS.length]} ${topic}, vol. ${id}`;
  const cents = ((id * 7919) % 19_000) + 500;
  return { id, title, topic, price: (cents / 100).toFixed(2), quantity: stock };
}

const insertSql = `
  INSERT INTO books (id, title, topic, price, quantity)
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::numeric[], $5::integer[])
  ON CONFLICT (id) DO NOTHING`;

/**
 * Makes the catalog hold ids 1..books (it only adds). Returns how many rows it inserted and how long it took.
 * @param {{ databaseUrl: string, books: number, stock?: number, batchSize?: number, connections?: number,
 *           onProgress?: (done: number, total: number) => void }} opts
 */
export async function generateCatalog(opts) {
  const { databaseUrl, books, stock = 100, batchSize = 10_000, connections = 2, onProgress } = opts;
  const started = performance.now();
  const first = await withClient(databaseUrl, async (c) => {
    const { rows } = await c.query('SELECT coalesce(max(id), 0)::bigint AS max FROM books');
    return Number(rows[0].max) + 1;
  });
  const total = Math.max(0, books - first + 1);
  let next = first;
  let inserted = 0;
  let reported = 0;
  const worker = () =>
    withClient(databaseUrl, async (c) => {
      while (next <= books) {
        const from = next;
        const to = Math.min(books, from + batchSize - 1);
        next = to + 1;
        const batch = [];
        for (let id = from; id <= to; id++) batch.push(bookFor(id, stock));
        const res = await c.query(insertSql, [
          batch.map((b) => b.id),
          batch.map((b) => b.title),
          batch.map((b) => b.topic),
          batch.map((b) => b.price),
          batch.map((b) => b.quantity),
        ]);
        inserted += res.rowCount ?? 0;
        const done = to - first + 1;
        if (onProgress && (done - reported >= total / 10 || to === books)) {
          reported = done;
          onProgress(done, total);
        }
      }
    });
  await Promise.all(Array.from({ length: Math.max(1, connections) }, worker));
  if (total > 0) await withClient(databaseUrl, (c) => c.query('VACUUM (ANALYZE) books'));
  return { inserted, ms: performance.now() - started };
}

async function withClient(databaseUrl, use) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      'database-url': { type: 'string', default: process.env.DATABASE_URL },
      books: { type: 'string' },
      stock: { type: 'string', default: '100' },
      batch: { type: 'string', default: '10000' },
      connections: { type: 'string', default: '2' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const usage =
    'usage: generate-catalog.mjs --database-url postgres://… --books N [--stock 100] [--batch 10000] [--connections 2]\n';
  const number = (name, min) => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < min)
      throw new Error(`--${name} must be a whole number ≥ ${min}\n${usage}`);
    return n;
  };
  if (values.help) return void process.stdout.write(usage);
  if (!values['database-url']) throw new Error(`--database-url (or DATABASE_URL) is required\n${usage}`);
  const result = await generateCatalog({
    databaseUrl: values['database-url'],
    books: number('books', 1),
    stock: number('stock', 0),
    batchSize: number('batch', 1),
    connections: number('connections', 1),
    onProgress: (done, total) =>
      process.stdout.write(`  ${done.toLocaleString('en')} / ${total.toLocaleString('en')} books\n`),
  });
  process.stdout.write(
    `inserted ${result.inserted.toLocaleString('en')} books in ${(result.ms / 1000).toFixed(1)} s\n`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    process.stderr.write(`generate-catalog: ${err.message}\n`);
    process.exit(1);
  });
}
