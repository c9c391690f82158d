// The operations panel: every request this page makes (method and path, status, X-Cache, the replica that served
// it, time taken in the page), this frontend pod's cache counters, and the health of the catalog and order replicas
// (those need the admin token, typed once into the panel and kept for this tab only).
import { api, REQUEST_EVENT } from './api.js';
import { on } from './bus.js';
import { byTestId, el, fill, formatMs } from './dom.js';

const MAX_ROWS = 80;
const POLL_MS = 4000;
/** After a request, the stats are refreshed once things settle rather than once per request. */
const SETTLE_MS = 150;
const lastHop = (chain) => (chain ?? '').split(',').pop().trim();
const TOKEN_KEY = 'bazar.adminToken';

export function mountOps() {
  mountRequestLog();
  const refreshStats = mountStats();
  const token = byTestId('admin-token');
  token.value = sessionStorage.getItem(TOKEN_KEY) ?? '';
  token.addEventListener('change', () => {
    sessionStorage.setItem(TOKEN_KEY, token.value.trim());
    poll();
  });
  // Poll while the page is visible; refresh soon after every request of the page's own (not after the polls).
  let pollTimer = 0;
  let settleTimer = 0;
  const poll = () => {
    clearTimeout(pollTimer);
    if (document.hidden) return;
    void refreshStats().finally(() => {
      pollTimer = setTimeout(poll, POLL_MS);
    });
  };
  on(REQUEST_EVENT, (entry) => {
    if (entry.background) return;
    clearTimeout(settleTimer);
    settleTimer = setTimeout(poll, SETTLE_MS);
  });
  document.addEventListener('visibilitychange', poll);
  poll();
}

function mountRequestLog() {
  const log = byTestId('ops-log');
  const empty = byTestId('ops-log-empty');
  const showPolls = byTestId('ops-show-polls');
  const clear = byTestId('ops-clear');

  const applyFilter = () => log.classList.toggle('hide-polls', !showPolls.checked);
  showPolls.addEventListener('change', applyFilter);
  clear.addEventListener('click', () => {
    fill(log);
    empty.hidden = false;
  });
  applyFilter();

  on(REQUEST_EVENT, (entry) => {
    log.prepend(requestRow(entry));
    while (log.childElementCount > MAX_ROWS) log.lastElementChild.remove();
    empty.hidden = true;
  });
}

function requestRow(entry) {
  const status = entry.status === 0 ? 'ERR' : String(entry.status);
  const kind = entry.status === 0 || entry.status >= 500 ? 'bad' : entry.status >= 400 ? 'warn' : 'good';
  const served = entry.servedBy ? lastHop(entry.servedBy) : '—';
  return el(
    'li',
    {
      class: `req${entry.background ? ' req--poll' : ''}`,
      'data-testid': 'ops-row',
      dataset: {
        method: entry.method,
        path: entry.path,
        status,
        cache: entry.cache ?? '',
        servedBy: entry.servedBy ?? '',
      },
    },
    el(
      'span',
      { class: 'req__what' },
      el('span', { class: `req__method req__method--${entry.method.toLowerCase()}`, text: entry.method }),
      el('span', { class: 'req__path', text: entry.path, title: entry.path }),
    ),
    el(
      'span',
      { class: 'req__facts' },
      el('span', { class: `badge badge--${kind}`, 'data-testid': 'ops-status', text: status }),
      entry.cache
        ? el('span', {
            class: `badge badge--${entry.cache === 'HIT' ? 'hit' : 'miss'}`,
            'data-testid': 'ops-cache',
            text: entry.cache,
          })
        : el('span', { class: 'badge badge--blank', 'aria-hidden': 'true', text: '—' }),
      el('span', {
        class: 'req__served',
        'data-testid': 'ops-served-by',
        title: entry.servedBy ? `X-Served-By: ${entry.servedBy}` : 'no X-Served-By header',
        text: served,
      }),
      el('span', { class: 'req__ms', 'data-testid': 'ops-ms', text: `${formatMs(entry.ms)} ms` }),
    ),
  );
}

/** Returns a function that reloads the cache counters and the replica list. */
function mountStats() {
  const store = byTestId('cache-store');
  const stats = byTestId('cache-stats');
  const ratio = byTestId('cache-ratio');
  const fillBar = ratio.querySelector('.ratio__fill');
  const ratioLabel = ratio.querySelector('.ratio__label');
  const replicas = byTestId('replicas');
  const updated = byTestId('replicas-updated');

  function showStats(s) {
    store.textContent = `store: ${s.store}`;
    const pct = Math.round(s.hitRatio * 1000) / 10;
    fillBar.style.width = `${pct}%`;
    ratioLabel.textContent = `Hit ratio ${pct}% (${s.hits} hits, ${s.misses} misses)`;
    const rows = [
      ['Entries', s.entries, 'entries'],
      ['Hits', s.hits, 'hits'],
      ['Misses', s.misses, 'misses'],
      ['Evictions', s.evictions, 'evictions'],
      ['Invalidations', s.invalidations, 'invalidations'],
      ['Stale fills rejected', s.staleFillsRejected, 'stale-fills-rejected'],
    ];
    fill(
      stats,
      rows.map(([label, value, id]) =>
        el(
          'div',
          { class: 'stats__item' },
          el('dt', { text: label }),
          el('dd', { 'data-testid': `cache-${id}`, text: String(value) }),
        ),
      ),
    );
  }

  function showReplicas(body) {
    fill(
      replicas,
      Object.entries(body).map(([service, endpoints]) =>
        el(
          'div',
          { class: 'replica-group' },
          el('h4', { class: 'replica-group__title', text: service }),
          el('ul', { class: 'replica-list' }, endpoints.map(replicaItem)),
        ),
      ),
    );
    updated.textContent = `updated ${new Date().toLocaleTimeString()}`;
  }

  function replicaItem(ep) {
    const detail = [
      `${ep.requests} requests`,
      ep.consecutiveFailures ? `${ep.consecutiveFailures} failures in a row` : null,
      ep.lastError ? `last error: ${ep.lastError}` : null,
      ep.ejectedUntil ? `probe at ${new Date(ep.ejectedUntil).toLocaleTimeString()}` : null,
    ].filter(Boolean);
    return el(
      'li',
      {
        class: 'replica',
        'data-testid': 'replica',
        dataset: { url: ep.url, healthy: String(ep.healthy) },
        title: detail.join(' · '),
      },
      el('span', { class: `dot dot--${ep.healthy ? 'up' : 'down'}`, 'aria-hidden': 'true' }),
      el('span', { class: 'replica__url', text: ep.url }),
      el('span', {
        class: `badge badge--${ep.healthy ? 'good' : 'bad'}`,
        text: ep.healthy ? 'healthy' : 'ejected',
      }),
      el('span', {
        class: 'replica__latency',
        text: ep.lastLatencyMs === null ? '— ms' : `${ep.lastLatencyMs} ms`,
      }),
    );
  }

  const note = (text) =>
    fill(replicas, el('p', { class: 'ops__empty', 'data-testid': 'replicas-note', text }));

  return async () => {
    const adminToken = sessionStorage.getItem(TOKEN_KEY) ?? '';
    const [s, r] = await Promise.all([
      api.cacheStats(),
      adminToken ? api.replicas(adminToken) : Promise.resolve(null),
    ]);
    if (s.ok) showStats(s.body);
    if (!r) note('Enter the admin token to see the pods.');
    else if (r.ok) showReplicas(r.body);
    else if (r.status === 401) note('That admin token was refused.');
    else note('Replica list unavailable.');
  };
}
