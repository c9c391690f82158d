// A flash sale through the public API: many buyers at once, each with its own Idempotency-Key, spread over the
// frontend pods, for a book restocked to a few copies. Returns every answer so a test can check I1, I5 and I9.
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { type BazarTopology, callJson, type JsonResponse } from '@bazar/harness';

export interface SaleRound {
  answers: JsonResponse[];
  /** Status → how many buyers got it. */
  counts: Record<number, number>;
  /** Answers with status ≥ 500. */
  serverErrors: JsonResponse[];
  finalStock: number;
}

/** Sets the stock of `bookId` to `copies` and lets `buyers` buy it at once; each buyer tries exactly once. */
export async function flashSale(
  topo: BazarTopology,
  bookId: number,
  copies: number,
  buyers: number,
  opts: { clientTimeoutMs?: number } = {},
): Promise<SaleRound> {
  const fe = topo.frontends;
  const restock = await callJson('PATCH', `${fe[0]!.url}/books/${bookId}`, {
    token: topo.adminToken,
    body: { quantity: copies },
  });
  assert.equal(restock.status, 200, JSON.stringify(restock.body));
  const answers = await Promise.all(
    Array.from({ length: buyers }, (_, i) =>
      callJson('POST', `${fe[i % fe.length]!.url}/purchase/${bookId}`, {
        headers: { 'Idempotency-Key': `buyer-${randomUUID()}` },
        timeoutMs: opts.clientTimeoutMs ?? 60_000,
      }),
    ),
  );
  const counts: Record<number, number> = {};
  for (const a of answers) counts[a.status] = (counts[a.status] ?? 0) + 1;
  const info = await callJson('GET', `${fe[0]!.url}/info/${bookId}`);
  return {
    answers,
    counts,
    serverErrors: answers.filter((a) => a.status >= 500),
    finalStock: info.body.quantity,
  };
}

/** Every order of `bookId`, through the admin's view of GET /orders (paged). */
export async function ordersOf(topo: BazarTopology, bookId: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const q: string = cursor ? `?limit=100&cursor=${encodeURIComponent(cursor)}` : '?limit=100';
    const page = await callJson('GET', `${topo.frontends[0]!.url}/orders${q}`, { token: topo.adminToken });
    assert.equal(page.status, 200, JSON.stringify(page.body));
    for (const o of page.body.items as { orderId: string; bookId: number }[])
      if (o.bookId === bookId) ids.push(o.orderId);
    cursor = page.body.nextCursor;
  } while (cursor);
  return ids;
}

/** A short description of the 5xx answers, for assertion messages. */
export function describeErrors(round: SaleRound): string {
  const byCode = new Map<string, number>();
  for (const a of round.serverErrors) {
    const key = `${a.status} ${a.body?.error?.code ?? '?'}`;
    byCode.set(key, (byCode.get(key) ?? 0) + 1);
  }
  return JSON.stringify({ counts: round.counts, errors: Object.fromEntries(byCode) });
}
