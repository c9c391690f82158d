// Keyset paging shared by every list endpoint: the store fetches limit+1 rows, the extra one says whether a next
// page exists, and the cursor is the last row's key after a letter naming the list (`b12`: books after id 12,
// `o345`: orders before sequence 345). Any cursor of that form is a valid position, so the OpenAPI pattern is the
// whole rule: a schema-valid cursor is never refused.
import { z } from 'zod';
import { badRequest } from './errors';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export function toPage<R, T>(
  rows: R[],
  limit: number,
  kind: string,
  key: (r: R) => number,
  map: (r: R) => T,
): Page<T> {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(map),
    nextCursor: rows.length > limit && last !== undefined ? `${kind}${key(last)}` : null,
  };
}

export function decodeCursor(kind: string, cursor: string): number {
  const m = cursorPattern(kind).exec(cursor);
  if (!m)
    throw badRequest(
      'invalid_cursor',
      `cursor must be "${kind}" followed by 1-15 digits, as nextCursor gives it`,
    );
  return Number(m[1]);
}

/** The form of a cursor of list `kind` (the OpenAPI document states the same pattern). */
export const cursorPattern = (kind: string) => new RegExp(`^${kind}([0-9]{1,15})$`);

/** Query fields every paged endpoint accepts: `limit` (1–500, default 50) and an opaque `cursor`. */
export const pageQueryFields = {
  limit: z
    .string()
    .regex(/^[0-9]{1,4}$/, 'must be an integer')
    .transform(Number)
    .pipe(z.number().int().min(1).max(500))
    .default(50),
  cursor: z.string().min(1, 'must not be empty').max(100).optional(),
};
