// Who is shopping. A shopper is an anonymous customer: a random id in a signed, HttpOnly, SameSite=Strict cookie
// (Koa's cookies, signed with CUSTOMER_SECRET through app.keys), started by their first purchase. Purchases,
// Idempotency-Keys and the order history belong to that customer; the admin token sees every order. API clients
// keep the cookie like a browser does (a cookie jar: `curl -c jar -b jar`, k6 does it per VU).
import { randomUUID } from 'node:crypto';
import { tokenMatches, unauthorized } from '@bazar/common';
import type Koa from 'koa';
import { z } from 'zod';

export const customerCookie = 'bazar_customer';
const customerId = z.uuid();
const maxAgeMs = 180 * 24 * 3600 * 1000;

/** Who asks for orders: the admin (every order) or one customer; undefined for a visitor without a session. */
export type Viewer = { admin: true } | { admin: false; customerId: string } | undefined;

export class CustomerSessions {
  constructor(
    private readonly adminToken: string,
    /** CUSTOMER_COOKIE_SECURE: the cookie only travels over HTTPS (TLS ends in front of the pod). */
    private readonly secure: boolean,
  ) {}

  /** The customer of this request, if its cookie carries a valid signature and id. */
  customer(ctx: Koa.Context): string | undefined {
    const value = ctx.cookies.get(customerCookie, { signed: true });
    return value !== undefined && customerId.safeParse(value).success ? value : undefined;
  }

  /** The customer of this request; one without a session gets a new one (its cookie goes out with the answer). */
  customerOrStart(ctx: Koa.Context): string {
    const known = this.customer(ctx);
    if (known) return known;
    const id = randomUUID();
    if (this.secure) ctx.cookies.secure = true; // TLS ends before the pod; the browser's connection is HTTPS
    ctx.cookies.set(customerCookie, id, {
      signed: true,
      httpOnly: true,
      sameSite: 'strict',
      secure: this.secure,
      path: '/',
      maxAge: maxAgeMs,
      overwrite: true,
    });
    return id;
  }

  /** An Authorization header must be the admin token (401 otherwise); without one, the customer's cookie counts. */
  viewer(ctx: Koa.Context): Viewer {
    const authorization = ctx.get('authorization');
    if (authorization) {
      if (!tokenMatches(authorization, this.adminToken)) throw unauthorized();
      return { admin: true };
    }
    const id = this.customer(ctx);
    return id ? { admin: false, customerId: id } : undefined;
  }
}
