// The search panel: a topic field, quick topics, and the results list, which opens a book when one is chosen.
import { api, errorOf } from './api.js';
import { emit, on } from './bus.js';
import { byTestId, el, fill } from './dom.js';

const PAGE_SIZE = 20;

export function mountSearch() {
  const form = byTestId('search-form');
  const input = byTestId('search-input');
  const status = byTestId('search-status');
  const results = byTestId('results');
  const more = byTestId('results-more');
  let current = { topic: '', cursor: null, selected: null };
  let latest = 0; // only the newest search may write the list

  async function search(topic, cursor = null) {
    const trimmed = topic.trim();
    if (!trimmed) return;
    if (!cursor) {
      current = { topic: trimmed, cursor: null, selected: current.selected };
      status.textContent = `Searching “${trimmed}”…`;
    }
    const mine = ++latest;
    more.disabled = true;
    const res = await api.search(trimmed, { limit: PAGE_SIZE, cursor: cursor ?? undefined });
    if (mine !== latest) return;
    more.disabled = false;
    if (!res.ok) {
      status.textContent = `Search failed: ${errorOf(res).message}`;
      status.dataset.state = 'error';
      return;
    }
    delete status.dataset.state;
    const items = res.body.items;
    if (!cursor) fill(results);
    for (const book of items) results.append(resultItem(book));
    current.cursor = res.body.nextCursor;
    more.hidden = !current.cursor;
    const count = results.childElementCount;
    status.textContent =
      count === 0
        ? `No books about “${trimmed}”.`
        : `${count}${current.cursor ? '+' : ''} ${count === 1 ? 'book' : 'books'} about “${res.body.topic}”`;
  }

  function resultItem(book) {
    const button = el(
      'button',
      {
        class: 'result',
        type: 'button',
        'data-testid': 'result',
        dataset: { bookId: book.id },
        'aria-current': current.selected === book.id ? 'true' : null,
        on: { click: () => emit('open-book', { id: book.id, focus: true }) },
      },
      el('span', { class: 'result__title', text: book.title }),
      el('span', { class: 'result__id', text: `#${book.id}` }),
    );
    return el('li', {}, button);
  }

  on('open-book', ({ id }) => {
    current.selected = id;
    for (const button of results.querySelectorAll('.result')) {
      if (Number(button.dataset.bookId) === id) button.setAttribute('aria-current', 'true');
      else button.removeAttribute('aria-current');
    }
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void search(input.value);
  });
  for (const chip of document.querySelectorAll('.chip[data-topic]')) {
    chip.addEventListener('click', () => {
      input.value = chip.dataset.topic;
      void search(chip.dataset.topic);
    });
  }
  more.addEventListener('click', () => void search(current.topic, current.cursor));
}
