// Shapes of what the catalog API accepts. Unknown fields are rejected, numbers are bounded (I8).
import { pageQueryFields } from '@bazar/common';

export { bookIdParam } from '@bazar/common';
import { z } from 'zod';

const twoDecimals = (v: number) => Math.abs(v * 100 - Math.round(v * 100)) < 1e-6;

export const bookChangeBody = z
  .strictObject({
    price: z.number().positive().max(1_000_000_000).refine(twoDecimals, 'at most two decimals').optional(),
    quantity: z.number().int().min(0).max(1_000_000_000).optional(),
    quantityDelta: z.number().int().min(-1_000_000_000).max(1_000_000_000).optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'give at least one of price, quantity, quantityDelta')
  .refine(
    (b) => b.quantity === undefined || b.quantityDelta === undefined,
    'give quantity or quantityDelta, not both',
  );

export const reservationBody = z.strictObject({ orderId: z.uuid() });

export const searchQuery = z.strictObject({
  topic: z.string().trim().min(1).max(200).optional(),
  ...pageQueryFields,
});
