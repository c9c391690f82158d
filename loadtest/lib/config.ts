// Where the scenarios point and what they may use, read once from k6's environment (`-e NAME=value`, or the
// shell's environment). Nothing else reads __ENV.

/** The frontend (or the Service in front of the frontend pods) every request goes to. */
export const BASE_URL = (__ENV.BASE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');

/** Bearer token for PATCH /books/:id; only the scenarios that change stock need it. */
export const ADMIN_TOKEN = __ENV.ADMIN_TOKEN || '';

/** Where handleSummary writes <scenario>.json, relative to the directory k6 runs in. */
export const RESULTS_DIR = (__ENV.RESULTS_DIR || 'loadtest/results').replace(/\/+$/, '');

/** Book ids 1..BOOK_COUNT exist (7 seed books by default; more with loadtest/bench/generate-catalog.mjs). */
export const BOOK_COUNT = intFromEnv('BOOK_COUNT', 7, 1);

/** Topics to search; the seed books' two by default. */
export const TOPICS = (__ENV.TOPICS || 'distributed systems,undergraduate school')
  .split(',')
  .map((t) => t.trim())
  .filter((t) => t.length > 0);

/** A whole number from the environment, or `fallback`; anything else stops the script before it starts. */
export function intFromEnv(name: string, fallback: number, min = 0): number {
  const raw = __ENV[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`${name} must be a whole number ≥ ${min}, got "${raw}"`);
  return n;
}

/** A k6 duration ("30s", "2m") from the environment, or `fallback`. */
export function durationFromEnv(name: string, fallback: string): string {
  const raw = __ENV[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^(\d+(ms|s|m|h))+$/.test(raw))
    throw new Error(`${name} must be a k6 duration such as 30s or 2m, got "${raw}"`);
  return raw;
}
