// The book view: one book's title, topic, price and stock, and the Buy button. Each click on Buy is one purchase with
// its own Idempotency-Key; the automatic retries of that click, and the "Retry" button after a failure, reuse it, so
// a purchase whose answer was lost can never become two orders.
import { api, errorOf, newIdempotencyKey } from './api.js';
import { emit, on } from './bus.js';
import { byTestId, el, fill, formatPrice } from './dom.js';

const ATTEMPTS = 5;
const RETRY_DELAY_MS = 400;
const MAX_RETRY_AFTER_S = 10;
const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** No answer, or the server said the purchase could not be settled in time: retrying with the same key is safe. */
const retriable = (status) => status === 0 || status === 502 || status === 503 || status === 504;
/** How long to wait before the next attempt: the server's Retry-After when it sent one (capped), else a backoff. */
function retryDelayMs(res, attempt) {
  const after = Number(res.headers.get('retry-after'));
  return Number.isFinite(after) && after > 0
    ? Math.min(after, MAX_RETRY_AFTER_S) * 1000
    : RETRY_DELAY_MS * attempt;
}
const lastHop = (chain) => (chain ?? '').split(',').pop().trim();

export function mountBook() {
  const view = byTestId('book-view');
  const title = byTestId('book-title');
  const empty = byTestId('book-empty');
  const details = byTestId('book-details');
  const topic = byTestId('book-topic');
  const source = byTestId('book-source');
  const price = byTestId('book-price');
  const stock = byTestId('book-stock');
  const buy = byTestId('buy');
  const refresh = byTestId('book-refresh');
  const result = byTestId('purchase-result');
  let book = null;
  let busy = false;
  let latest = 0;

  async function load(id, { focus = false } = {}) {
    const mine = ++latest;
    view.setAttribute('aria-busy', 'true');
    const res = await api.info(id);
    if (mine !== latest) return;
    view.removeAttribute('aria-busy');
    if (!res.ok) {
      if (book?.id !== id) showMissing(id, errorOf(res).message);
      else source.textContent = `Could not refresh: ${errorOf(res).message}`;
      return;
    }
    if (book?.id !== res.body.id) clearResult();
    book = res.body;
    render(res);
    if (focus) title.focus();
  }

  function showMissing(id, message) {
    book = null;
    clearResult();
    delete view.dataset.bookId;
    title.textContent = `Book #${id}`;
    empty.textContent = message;
    empty.hidden = false;
    details.hidden = true;
  }

  function render(res) {
    title.textContent = book.title;
    topic.textContent = book.topic;
    const cache = res.headers.get('x-cache');
    const by = lastHop(res.servedBy);
    source.textContent = cache === 'HIT' ? `From the cache of ${by}` : `Loaded from ${by}`;
    source.title = `X-Served-By: ${res.servedBy ?? '—'}`;
    price.textContent = formatPrice(book.price);
    stock.textContent = book.quantity > 0 ? String(book.quantity) : 'Sold out';
    stock.dataset.quantity = String(book.quantity);
    stock.classList.toggle('is-empty', book.quantity === 0);
    empty.hidden = true;
    details.hidden = false;
    view.dataset.bookId = String(book.id);
    updateBuy();
  }

  function updateBuy() {
    const soldOut = book !== null && book.quantity === 0;
    buy.disabled = busy || soldOut;
    buy.textContent = busy ? 'Buying…' : soldOut ? 'Sold out' : `Buy for ${formatPrice(book?.price ?? 0)}`;
    if (busy) buy.setAttribute('aria-busy', 'true');
    else buy.removeAttribute('aria-busy');
  }

  function clearResult() {
    delete result.dataset.outcome;
    fill(result);
  }

  function showResult(outcome, heading, ...lines) {
    result.dataset.outcome = outcome;
    fill(result, el('p', { class: 'purchase__heading', text: heading }), ...lines);
  }

  /** One purchase: the same key for every attempt. */
  async function purchase(target, key) {
    busy = true;
    updateBuy();
    result.dataset.idempotencyKey = key;
    showResult('pending', 'Placing your order…');
    let res;
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      res = await api.purchase(target.id, key);
      if (!retriable(res.status) || attempt === ATTEMPTS) break;
      // A 503 names the key its outcome is known by: the same one, so the retry settles this purchase.
      key = res.headers.get('idempotency-key') ?? key;
      showResult('pending', 'Still confirming your order…');
      await wait(retryDelayMs(res, attempt));
    }
    busy = false;
    if (book?.id === target.id) report(target, res, key);
    if (res.status === 200 || res.status === 201) emit('purchased', res.body);
    if (book?.id === target.id) await load(target.id);
    else updateBuy();
  }

  function report(target, res, key) {
    if (res.status === 200 || res.status === 201) {
      const order = res.body;
      showResult(
        'bought',
        'Bought!',
        el(
          'p',
          {},
          `${order.title} for `,
          el('strong', { 'data-testid': 'purchase-price', text: formatPrice(order.price) }),
          '.',
        ),
        el(
          'p',
          { class: 'purchase__order' },
          'Order ',
          el('code', { 'data-testid': 'purchase-order-id', text: order.orderId }),
          res.status === 200 ? ' (confirmed on retry: charged once)' : null,
        ),
      );
    } else if (res.status === 409 && errorOf(res).code === 'out_of_stock') {
      showResult('sold-out', 'Sold out', el('p', { text: `“${target.title}” has no copies left.` }));
    } else {
      const error = errorOf(res);
      showResult(
        'error',
        'Purchase failed',
        el('p', { 'data-testid': 'purchase-error', text: error.message }),
        el('p', { class: 'purchase__code' }, 'Code ', el('code', { text: error.code })),
        retriable(res.status)
          ? el('button', {
              class: 'button button--small',
              type: 'button',
              'data-testid': 'purchase-retry',
              text: 'Retry this purchase',
              on: {
                click: () => {
                  if (!busy) void purchase(target, key);
                },
              },
            })
          : null,
      );
    }
  }

  buy.addEventListener('click', () => {
    if (book && !busy) void purchase(book, newIdempotencyKey());
  });
  refresh.addEventListener('click', () => {
    if (book) void load(book.id);
  });
  on('open-book', ({ id, focus }) => void load(id, { focus }));
}
