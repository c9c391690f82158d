// How a frontend response names where it came from: X-Cache on cached reads, and X-Served-By extended with the
// upstream pod that produced the data (e.g. "frontend-0, catalog-1"); a cache hit names the frontend pod only.
import type Koa from 'koa';

export function markServed(ctx: Koa.Context, upstream: string | undefined, cache?: 'HIT' | 'MISS'): void {
  if (cache) ctx.set('X-Cache', cache);
  if (upstream) ctx.set('X-Served-By', `${ctx.response.get('X-Served-By')}, ${upstream}`);
}
