// Keyset paging shared by every list endpoint: the store fetches limit+1 rows, the extra one says whether a next
// page exists, and the cursor is an opaque token around the last row's key.
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
    nextCursor:
      rows.length > limit && last !== undefined
        ? Buffer.from(`${kind}:${key(last)}`).toString('base64url')
        : null,
  };
}

export function decodeCursor(kind: string, cursor: string): number {
  const m = new RegExp(`^${kind}:(\\d{1,16})$`).exec(Buffer.from(cursor, 'base64url').toString());
  if (!m) throw badRequest('invalid_cursor', 'cursor is not one this service returned');
  return Number(m[1]);
}

/** Query fields every paged endpoint accepts: `limit` (1–500, default 50) and an opaque `cursor`. */
export const pageQueryFields = {
  limit: z
    .string()
    .regex(/^[0-9]{1,4}$/, 'must be an integer')
    .transform(Number)
    .pipe(z.number().int().min(1).max(500))
    .default(50),
  cursor: z.string().max(100).optional(),
};
