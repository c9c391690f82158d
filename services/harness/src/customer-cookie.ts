// The frontend's customer session cookie as Koa's cookies module writes it (a value and its `.sig`, an HMAC of
// `name=value` by keygrip), so tests can be one shopper across requests and pods.
import Keygrip from 'keygrip';

export const customerCookieName = 'bazar_customer';

export function customerCookie(secret: string, customerId: string): string {
  const pair = `${customerCookieName}=${customerId}`;
  return `${pair}; ${customerCookieName}.sig=${new Keygrip([secret]).sign(pair)}`;
}
