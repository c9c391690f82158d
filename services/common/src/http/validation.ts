// Parses untrusted input with a zod schema; a failure becomes one 400 naming the offending fields.
import type { z } from 'zod';
import { badRequest } from '../errors';

export function parseInput<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const detail = result.error.issues
    .map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
  throw badRequest('invalid_input', `invalid ${what}: ${detail}`);
}
