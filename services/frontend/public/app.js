// The Bazar storefront: plain ES modules over the public API, no framework and no build step.
import { mountBook } from './js/book.js';
import { mountOps } from './js/ops.js';
import { mountOrders } from './js/orders.js';
import { mountSearch } from './js/search.js';

// The ops panel first, so it sees the other panels' first requests.
mountOps();
mountSearch();
mountBook();
mountOrders();
document.documentElement.dataset.ready = 'true';
