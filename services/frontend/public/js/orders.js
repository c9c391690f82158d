// The order history: newest first, one page at a time ("More orders" follows nextCursor), reloaded after a purchase.
import { api, errorOf } from './api.js';
import { on } from './bus.js';
import { byTestId, el, fill, formatDate, formatPrice } from './dom.js';

const PAGE_SIZE = 10;

export function mountOrders() {
  const list = byTestId('orders');
  const status = byTestId('orders-status');
  const more = byTestId('orders-more');
  const refresh = byTestId('orders-refresh');
  let cursor = null;
  let latest = 0;

  async function load(next = null) {
    const mine = ++latest;
    more.disabled = true;
    const res = await api.orders({ limit: PAGE_SIZE, cursor: next ?? undefined });
    if (mine !== latest) return;
    more.disabled = false;
    if (!res.ok) {
      status.textContent = `Could not load orders: ${errorOf(res).message}`;
      status.dataset.state = 'error';
      return;
    }
    delete status.dataset.state;
    if (!next) fill(list);
    for (const order of res.body.items) list.append(orderItem(order));
    cursor = res.body.nextCursor;
    more.hidden = !cursor;
    const count = list.childElementCount;
    status.textContent =
      count === 0 ? 'No orders yet.' : `${count}${cursor ? '+' : ''} ${count === 1 ? 'order' : 'orders'}`;
  }

  function orderItem(order) {
    return el(
      'li',
      { class: 'order', 'data-testid': 'order', dataset: { orderId: order.orderId, bookId: order.bookId } },
      el('span', { class: 'order__title', text: order.title }),
      el('span', { class: 'order__price', text: formatPrice(order.price) }),
      el(
        'span',
        { class: 'order__meta' },
        el('time', { datetime: order.createdAt, text: formatDate(order.createdAt) }),
        ' · ',
        el('code', { title: order.orderId, text: order.orderId.slice(0, 8) }),
      ),
    );
  }

  more.addEventListener('click', () => void load(cursor));
  refresh.addEventListener('click', () => void load());
  on('purchased', () => void load());
  void load();
}
