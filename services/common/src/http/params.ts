// Path parameters shared by the catalog and the frontend, validated the same way everywhere.
import { z } from 'zod';

export const bookIdParam = z
  .string()
  .regex(/^[1-9][0-9]{0,14}$/, 'must be a positive integer')
  .transform(Number);

export const orderIdParam = z.uuid();

/**
 * A topic as a path segment or query value: at most 200 characters, not blank, no control characters (Postgres
 * refuses NUL), then trimmed. `topicPattern` says the same for the OpenAPI document.
 */
export const topicText = z
  .string()
  // Characters as JSON Schema counts them (code points), not UTF-16 units.
  .refine((t) => [...t].length <= 200, { error: 'must be at most 200 characters' })
  .trim()
  .min(1, 'must not be empty')
  .refine((t) => ![...t].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f), {
    error: 'must not contain control characters',
  });

/** What topicText accepts, as a JSON Schema pattern (with maxLength 200): a non-space, and no control character. */
export const topicPattern =
  '^[^\\u0000-\\u001f\\u007f]*[^\\s\\u0000-\\u001f\\u007f][^\\u0000-\\u001f\\u007f]*$';

/** The largest stock the `quantity integer` column holds. */
export const maxStock = 2_147_483_647;

// The number a client wrote with at most two decimals parses to the double nearest to it, which toFixed(2) gives
// back exactly (an absolute tolerance on v × 100 refused 329927833.65, whose product is off by 4e-6).
const twoDecimals = (v: number) => Number(v.toFixed(2)) === v;

/** A change to a book (PATCH /books/:id): validated the same by the frontend and by the catalog that applies it. */
export const bookChangeBody = z
  .strictObject({
    price: z
      .number()
      .min(0.01, 'must be at least 0.01')
      .max(1_000_000_000)
      .refine(twoDecimals, 'at most two decimals')
      .optional(),
    quantity: z.number().int().min(0).max(maxStock, `must be at most ${maxStock}`).optional(),
    quantityDelta: z.number().int().min(-maxStock).max(maxStock, `must be at most ${maxStock}`).optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'give at least one of price, quantity, quantityDelta')
  .refine(
    (b) => b.quantity === undefined || b.quantityDelta === undefined,
    'give quantity or quantityDelta, not both',
  );
