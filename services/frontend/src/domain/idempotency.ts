// Purchases are keyed by order id. A customer's Idempotency-Key maps to the same order id on every frontend pod (a
// name-based UUID of the customer and the key), so a retry through any pod reaches the same order (I5), and the
// same key sent by another customer names another order: a key never reveals anyone else's purchase. Without a
// key the frontend makes one and returns it, so that key too names the order on a retry.
import { randomUUID } from 'node:crypto';
import { v5 as uuidv5 } from 'uuid';
import { badRequest } from '@bazar/common';

// Fixed namespace for Bazar order ids; changing it would re-key every in-flight retry.
const orderNamespace = '0f6c5a1e-8a0e-4b8e-9a52-6d1f5b3c2e7a';

export function orderIdFor(
  customerId: string,
  idempotencyKey: string | undefined,
): { orderId: string; key: string } {
  const key = idempotencyKey ?? randomUUID();
  if (!/^[\x21-\x7e]{1,128}$/.test(key)) {
    throw badRequest('invalid_idempotency_key', 'Idempotency-Key must be 1-128 visible ASCII characters');
  }
  // A customer id is a UUID (no spaces) and a key has no spaces: the pair is unambiguous.
  return { orderId: uuidv5(`${customerId} ${key}`, orderNamespace), key };
}
