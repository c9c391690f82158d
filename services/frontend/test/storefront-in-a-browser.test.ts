// The storefront in a real browser (Debian's Chromium through playwright-core) against a whole topology: search a
// topic, open a book twice (the ops panel shows a MISS then a HIT), buy it (the stock drops by one, the order joins
// the history), survive a lost answer without buying twice, meet "sold out", and fit a phone screen.
import { strict as assert } from 'node:assert';
import { BazarTopology, callJson } from '@bazar/harness';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { launchChromium, PageWatch, saveScreenshot } from './support/browser';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** crypto.randomUUID() in the page. */
const randomUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const byTestId = (page: Page, id: string) => page.locator(`[data-testid="${id}"]`);

describe('the storefront in a browser', function () {
  this.timeout(180_000);
  let topo: BazarTopology;
  let browser: Browser;
  let desktop: BrowserContext;
  let page: Page;
  let watch: PageWatch;
  const fe = () => topo.frontends[0]!.url;
  /** Idempotency-Key of every purchase the page sent, in order. */
  const purchaseKeys: string[] = [];
  const bookId = 4;

  before(async () => {
    browser = await launchChromium();
    topo = await BazarTopology.start({ frontends: 1 });
    desktop = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await desktop.newPage();
    page.setDefaultTimeout(15_000);
    watch = new PageWatch(page, fe());
    page.on('request', (req: Request) => {
      if (req.method() === 'POST' && new URL(req.url()).pathname === `/purchase/${bookId}`) {
        purchaseKeys.push(req.headers()['idempotency-key'] ?? '');
      }
    });
  });

  after(async () => {
    await browser?.close();
    await topo?.stop();
  });

  afterEach(() => {
    assert.deepEqual(watch.take(), []);
  });

  async function opsRows(path: string, count: number) {
    const rows = page.locator(`[data-testid="ops-row"][data-path="${path}"]`);
    await rows.nth(count - 1).waitFor();
    assert.equal(await rows.count(), count);
    return rows;
  }

  it('serves the page at /, from its own origin only', async () => {
    const res = await page.goto(`${fe()}/`);
    assert.equal(res?.status(), 200);
    await page.locator('html[data-ready="true"]').waitFor({ state: 'attached' });
    assert.equal(await page.title(), 'Bazar — bookstore');
    await byTestId(page, 'orders-status').filter({ hasText: 'No orders yet.' }).waitFor();
    // The pods are the admin's to see: the panel asks for the token, then polls on its own.
    await byTestId(page, 'replicas-note').filter({ hasText: 'Enter the admin token' }).waitFor();
    await byTestId(page, 'admin-token').fill('not-the-admin-token');
    await byTestId(page, 'admin-token').blur();
    await byTestId(page, 'replicas-note').filter({ hasText: 'refused' }).waitFor();
    await byTestId(page, 'admin-token').fill(topo.adminToken);
    await byTestId(page, 'admin-token').blur();
    await byTestId(page, 'replica').nth(3).waitFor();
  });

  it('searches a topic by quick button and by the text field', async () => {
    await byTestId(page, 'topic-distributed').click();
    await byTestId(page, 'search-status')
      .filter({ hasText: '3 books about “distributed systems”' })
      .waitFor();
    assert.deepEqual(await byTestId(page, 'result').locator('.result__title').allTextContents(), [
      'How to get a good grade in DOS in 40 minutes a day',
      'RPCs for Noobs',
      'How to finish Project 3 on time',
    ]);

    await byTestId(page, 'search-input').fill('  Undergraduate SCHOOL ');
    await byTestId(page, 'search-input').press('Enter');
    await byTestId(page, 'search-status')
      .filter({ hasText: '4 books about “Undergraduate SCHOOL”' })
      .waitFor();
    assert.deepEqual(await byTestId(page, 'result').evaluateAll((rs) => rs.map((r) => r.dataset.bookId)), [
      '3',
      '4',
      '6',
      '7',
    ]);
    await opsRows('/search/Undergraduate%20SCHOOL?limit=20', 1);
  });

  it('opens a book twice: the ops panel shows a MISS, then a HIT, for /info/:id', async () => {
    const result = page.locator(`[data-testid="result"][data-book-id="${bookId}"]`);
    await result.click();
    await byTestId(page, 'book-title').filter({ hasText: 'Cooking for the Impatient Undergrad' }).waitFor();
    await opsRows(`/info/${bookId}`, 1);
    await result.click();
    const rows = await opsRows(`/info/${bookId}`, 2);

    // Newest first: the second open (a hit, answered by the frontend alone) above the first (a miss).
    const [hit, miss] = [rows.nth(0), rows.nth(1)];
    assert.equal(await hit.getAttribute('data-cache'), 'HIT');
    assert.equal(await miss.getAttribute('data-cache'), 'MISS');
    assert.equal(await hit.locator('[data-testid="ops-cache"]').textContent(), 'HIT');
    assert.equal(await miss.locator('[data-testid="ops-cache"]').textContent(), 'MISS');
    assert.equal(await hit.locator('[data-testid="ops-served-by"]').textContent(), 'frontend-0');
    assert.match((await miss.locator('[data-testid="ops-served-by"]').textContent()) ?? '', /^catalog-[01]$/);
    assert.match(
      (await miss.locator('[data-testid="ops-served-by"]').getAttribute('title')) ?? '',
      /frontend-0, catalog-[01]$/,
    );
    assert.match((await hit.locator('[data-testid="ops-ms"]').textContent()) ?? '', /^\d+(\.\d)? ms$/);

    assert.equal(await byTestId(page, 'book-topic').textContent(), 'undergraduate school');
    assert.equal(await byTestId(page, 'book-price').textContent(), '$50.00');
    assert.equal(await byTestId(page, 'book-stock').getAttribute('data-quantity'), '100');
  });

  it('buys the book: "bought" with the order id and price, one copy fewer, the order in the history', async () => {
    await byTestId(page, 'buy').click();
    const bought = page.locator('[data-testid="purchase-result"][data-outcome="bought"]');
    await bought.waitFor();
    assert.match((await bought.textContent()) ?? '', /Bought!/);
    const orderId = (await byTestId(page, 'purchase-order-id').textContent()) ?? '';
    assert.match(orderId, uuid);
    assert.equal(await byTestId(page, 'purchase-price').textContent(), '$50.00');
    await page.locator('[data-testid="book-stock"][data-quantity="99"]').waitFor();
    await page.locator(`[data-testid="order"][data-order-id="${orderId}"]`).waitFor();
    assert.equal(await byTestId(page, 'order').first().getAttribute('data-order-id'), orderId);

    assert.equal(purchaseKeys.length, 1);
    assert.match(purchaseKeys[0]!, randomUuid);
    // The order is this shopper's: their session is an HttpOnly, SameSite=Strict cookie the page cannot read.
    const [session] = (await page.context().cookies()).filter((c) => c.name === 'bazar_customer');
    assert.ok(session, 'the purchase started a customer session');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
    assert.ok(!String(await page.evaluate('document.cookie')).includes('bazar_customer'));
    assert.equal((await callJson('GET', `${fe()}/orders/${orderId}`)).status, 404, 'not shown to others');
    const order = await callJson('GET', `${fe()}/orders/${orderId}`, { token: topo.adminToken });
    assert.equal(order.status, 200);
    assert.equal(order.body.bookId, bookId);
    assert.equal((await callJson('GET', `${fe()}/info/${bookId}`)).body.quantity, 99);
  });

  it('a click whose answer is lost is retried with the same key and buys exactly once', async () => {
    let lost = false;
    await page.route(`**/purchase/${bookId}`, async (route) => {
      if (lost) return route.continue();
      lost = true;
      await route.fetch(); // the order is placed ...
      await route.abort('connectionreset'); // ... but the page never hears of it
    });
    await byTestId(page, 'buy').click();
    const bought = page.locator('[data-testid="purchase-result"][data-outcome="bought"]');
    await bought.filter({ hasText: 'confirmed on retry' }).waitFor();
    await page.unroute(`**/purchase/${bookId}`);

    assert.equal(purchaseKeys.length, 3);
    assert.equal(purchaseKeys[1], purchaseKeys[2], 'the retry reuses its click’s key');
    assert.notEqual(purchaseKeys[1], purchaseKeys[0], 'a new click has a new key');
    await page.locator('[data-testid="book-stock"][data-quantity="98"]').waitFor();
    await byTestId(page, 'order').nth(1).waitFor();
    assert.equal(await byTestId(page, 'order').count(), 2);
    const orders = await callJson('GET', `${fe()}/orders`, { token: topo.adminToken });
    assert.equal(orders.body.items.length, 2);
  });

  it('shows "sold out" on Buy once the stock is set to 0 through the API', async () => {
    const patched = await callJson('PATCH', `${fe()}/books/${bookId}`, {
      token: topo.adminToken,
      body: { quantity: 0 },
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    // The page still shows the stock it read last; Buy meets the new one.
    assert.equal(await byTestId(page, 'book-stock').getAttribute('data-quantity'), '98');
    await byTestId(page, 'buy').click();
    const soldOut = page.locator('[data-testid="purchase-result"][data-outcome="sold-out"]');
    await soldOut.filter({ hasText: 'Sold out' }).waitFor();
    await page.locator('[data-testid="book-stock"][data-quantity="0"]').waitFor();
    await page.locator('[data-testid="buy"]:disabled').filter({ hasText: 'Sold out' }).waitFor();
    await opsRows(`/purchase/${bookId}`, 4);
    assert.equal(await page.locator(`[data-testid="ops-row"][data-status="409"]`).count(), 1);
    assert.equal((await callJson('GET', `${fe()}/orders`, { token: topo.adminToken })).body.items.length, 2);
  });

  it('the ops panel shows cache stats and every replica healthy', async () => {
    await page.locator('[data-testid="cache-hits"]:not(:text-is("0"))').waitFor();
    assert.equal(await byTestId(page, 'cache-store').textContent(), 'store: memory');
    const replicas = byTestId(page, 'replica');
    assert.equal(await replicas.count(), 4);
    assert.deepEqual(await replicas.evaluateAll((rs) => rs.map((r) => r.dataset.healthy)), [
      'true',
      'true',
      'true',
      'true',
    ]);
    await saveScreenshot(page, 'storefront-desktop.png');
  });

  it('fits a 390×844 phone screen without horizontal scrolling', async () => {
    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    try {
      const small = await phone.newPage();
      const smallWatch = new PageWatch(small, fe());
      await small.goto(`${fe()}/`);
      await byTestId(small, 'topic-distributed').tap();
      await small.locator('[data-testid="result"][data-book-id="1"]').tap();
      await small.locator('[data-testid="book-stock"][data-quantity="100"]').waitFor();
      // Another browser is another shopper: none of the first one's orders.
      await byTestId(small, 'orders-status').filter({ hasText: 'No orders yet.' }).waitFor();
      await byTestId(small, 'admin-token').fill(topo.adminToken);
      await byTestId(small, 'admin-token').blur();
      await byTestId(small, 'replica').nth(3).waitFor();
      const width = (await small.evaluate(
        '({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })',
      )) as { scroll: number; client: number };
      assert.equal(width.client, 390);
      assert.ok(width.scroll <= width.client, `the page is ${width.scroll}px wide on a 390px screen`);
      await saveScreenshot(small, 'storefront-phone.png');
      assert.deepEqual(smallWatch.take(), []);
    } finally {
      await phone.close();
    }
  });
});
