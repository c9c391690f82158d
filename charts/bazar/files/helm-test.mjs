// `helm test` checks through the public frontend: buy a book, then read it back through every frontend pod and
// never see the state from before the purchase (read-after-write, and proof that the catalog's invalidations
// reached every pod's cache); a repeated purchase with the same Idempotency-Key returns the same order; with an
// admin token, a stock update is likewise seen at once everywhere (it also gives back the bought copy).
// Runs on Node 20+ with no dependencies (the Bazar image's own node). Inputs as environment variables:
//   BAZAR_URL        base URL of the frontend Service (writes go here), e.g. http://bazar-frontend.ns.svc:80
//   BAZAR_READ_URLS  space-separated base URLs reads go through (default: BAZAR_URL, which spreads them over pods)
//   BOOK_ID          the book to buy (default 1)
//   ADMIN_TOKEN      optional: also check a PATCH /books/:id
//   READS            reads per URL in each round (default 12)
//   HTTP_TIMEOUT     seconds per request (default 5)
// Exit code 0 when every check passed, 1 otherwise; one line per check on stdout.
import process from 'node:process';

const env = process.env;
const baseUrl = env.BAZAR_URL;
if (!baseUrl) {
  console.log('FAIL: BAZAR_URL must be the frontend base URL');
  process.exit(1);
}
const readUrls = (env.BAZAR_READ_URLS || baseUrl).split(/\s+/).filter(Boolean);
const bookId = env.BOOK_ID || '1';
const adminToken = env.ADMIN_TOKEN || '';
const reads = Number(env.READS || 12);
const timeoutMs = Number(env.HTTP_TIMEOUT || 5) * 1000;

let failures = 0;
const say = (line) => console.log(line);
const fail = (line) => {
  console.log(`FAIL: ${line}`);
  failures++;
};
class Stop extends Error {}
const die = (line) => {
  console.log(`FAIL: ${line}`);
  throw new Stop(line);
};

// Cookies kept like a browser keeps them: the purchase starts a customer session, and the order is that customer's.
const cookies = new Map();

/**
 * One request: { status, body (parsed JSON or undefined), text, headers, answered }; when nothing answered, status
 * is 0 and `answered` says why (e.g. "no answer: ECONNREFUSED"), else it is "answered <status>".
 */
async function http(method, url, { headers = {}, json } = {}) {
  const h = { ...headers };
  if (cookies.size) h.cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  if (json !== undefined) h['content-type'] = 'application/json';
  try {
    const res = await fetch(url, {
      method,
      headers: h,
      body: json === undefined ? undefined : JSON.stringify(json),
      signal: AbortSignal.timeout(timeoutMs),
    });
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(';')[0];
      const eq = pair.indexOf('=');
      if (eq > 0) cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    const text = await res.text();
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: res.status, body, text, headers: res.headers, answered: `answered ${res.status}` };
  } catch (err) {
    const why = String(err?.cause?.code ?? err?.name ?? err);
    return { status: 0, body: undefined, text: '', headers: new Headers(), answered: `no answer: ${why}` };
  }
}

/** GET /info/BOOK_ID through `url`: { version, quantity, cache, served }. */
async function readBook(url) {
  const r = await http('GET', `${url}/info/${bookId}`);
  if (r.status !== 200) die(`GET ${url}/info/${bookId} ${r.answered}: ${r.text}`);
  const { version, quantity } = r.body ?? {};
  if (!Number.isInteger(version) || !Number.isInteger(quantity)) {
    die(`GET /info/${bookId} gave no version/quantity: ${r.text}`);
  }
  return { version, quantity, cache: r.headers.get('x-cache'), served: r.headers.get('x-served-by') };
}

/** Every read through every URL shows `min` or newer. */
async function expectFresh(what, min) {
  let count = 0;
  for (const url of readUrls) {
    for (let i = 0; i < reads; i++) {
      const b = await readBook(url);
      count++;
      if (b.version < min) {
        fail(
          `${what}: ${url} served version ${b.version} (< ${min}, quantity ${b.quantity}, X-Cache ${b.cache}, ` +
            `X-Served-By ${b.served}): a stale cache entry survived the write`,
        );
        return;
      }
    }
  }
  say(`ok   ${what}: ${count} reads through ${readUrls.length} URL(s) all show version >= ${min}`);
}

async function main() {
  say(`Bazar helm test against ${baseUrl} (book ${bookId})`);
  const ready = await http('GET', `${baseUrl}/readyz`);
  if (ready.status !== 200) die(`GET /readyz ${ready.answered}: ${ready.text}`);
  say('ok   frontend is ready');

  // Warm every pod's cache with the current state, so a missed invalidation would show as a stale HIT below.
  let before = 0;
  let hits = 0;
  for (const url of readUrls) {
    for (let i = 0; i < reads; i++) {
      const b = await readBook(url);
      before = Math.max(before, b.version);
      if (b.cache === 'HIT') hits++;
    }
  }
  if (hits === 0) fail(`no cache HIT in ${reads} reads per URL: is the cache on?`);
  say(`ok   book ${bookId} is at version ${before} (cache warmed, ${hits} hits)`);

  const key = `helm-test-${Date.now()}-${process.pid}`;
  const bought = await http('POST', `${baseUrl}/purchase/${bookId}`, { headers: { 'idempotency-key': key } });
  if (bought.status !== 201) die(`POST /purchase/${bookId} ${bought.answered}: ${bought.text}`);
  const order = bought.body?.orderId;
  if (typeof order !== 'string' || !order) die(`the purchase answer has no orderId: ${bought.text}`);
  say(`ok   bought book ${bookId}: order ${order}`);

  await expectFresh('read-after-purchase', before + 1);

  const again = await http('POST', `${baseUrl}/purchase/${bookId}`, { headers: { 'idempotency-key': key } });
  if (again.status === 200 && again.body?.orderId === order)
    say('ok   the repeated purchase returned the same order');
  else fail(`repeating the purchase with the same Idempotency-Key ${again.answered}: ${again.text}`);

  const listed = await http('GET', `${baseUrl}/orders/${order}`);
  if (listed.status === 200) say(`ok   order ${order} is listed`);
  else fail(`GET /orders/${order} ${listed.answered}: ${listed.text}`);

  if (adminToken) {
    const patched = await http('PATCH', `${baseUrl}/books/${bookId}`, {
      headers: { authorization: `Bearer ${adminToken}` },
      json: { quantityDelta: 1 },
    });
    if (patched.status !== 200) die(`PATCH /books/${bookId} ${patched.answered}: ${patched.text}`);
    say(`ok   gave the copy back (PATCH quantityDelta=1): version ${patched.body?.version}`);
    await expectFresh('read-after-update', patched.body?.version);
  }
}

main().then(
  () => {
    if (failures > 0) {
      say(`${failures} check(s) failed`);
      process.exit(1);
    }
    say('all checks passed');
  },
  (err) => {
    if (!(err instanceof Stop)) console.log(`FAIL: ${err?.stack ?? err}`);
    process.exit(1);
  },
);
