// Path parameters shared by the catalog and the frontend, validated the same way everywhere.
import { z } from 'zod';

export const bookIdParam = z
  .string()
  .regex(/^[1-9][0-9]{0,14}$/, 'must be a positive integer')
  .transform(Number);

export const orderIdParam = z.uuid();
