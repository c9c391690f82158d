// Bearer-token guard for internal and admin endpoints; constant-time comparison so the token cannot be
// guessed byte by byte from response timing.
import { createHash, timingSafeEqual } from 'node:crypto';
import type Koa from 'koa';
import { unauthorized } from '../errors';

const digest = (s: string) => createHash('sha256').update(s).digest();

export function tokenMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer +(.+)$/i.exec(header ?? ''); // the scheme is case-insensitive (RFC 9110)
  return match !== null && timingSafeEqual(digest(match[1] ?? ''), digest(token));
}

export function requireBearer(token: string): Koa.Middleware {
  return async (ctx, next) => {
    if (!tokenMatches(ctx.get('authorization'), token)) throw unauthorized();
    await next();
  };
}
