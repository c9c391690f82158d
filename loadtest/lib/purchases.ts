// Buying the way a careful client does: one idempotency key per purchase, and one retry with the same key when
// the answer is lost or the service was briefly unavailable. The key makes the retry safe (I5): it returns the
// order the first attempt made, never a second one.
import { errorCode, purchase, type Response } from './api.ts';

/**
 * created: this call bought a copy (201, or 200 on the retry: the first attempt's order, whose answer was lost);
 * replayed: the key had bought before this call (200 on the first attempt); sold_out: 409 out_of_stock.
 */
export type PurchaseOutcome = 'created' | 'replayed' | 'sold_out' | 'failed';

export interface PurchaseResult {
  outcome: PurchaseOutcome;
  res: Response;
  attempts: number;
}

const retryable = (res: Response) => res.status === 0 || res.status >= 500;

export function buy(bookId: number, idempotencyKey: string): PurchaseResult {
  let res = purchase(bookId, idempotencyKey);
  let attempts = 1;
  if (retryable(res)) {
    res = purchase(bookId, idempotencyKey);
    attempts = 2;
  }
  return { outcome: outcomeOf(res, attempts), res, attempts };
}

function outcomeOf(res: Response, attempts: number): PurchaseOutcome {
  if (res.status === 201) return 'created';
  if (res.status === 200) return attempts > 1 ? 'created' : 'replayed';
  if (res.status === 409 && errorCode(res) === 'out_of_stock') return 'sold_out';
  return 'failed';
}
