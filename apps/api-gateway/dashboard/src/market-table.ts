import { bar, el } from './dom.js';
import { formatDuration, formatFraction, formatScore, formatWhole, humanize, scoreColor } from './format.js';
import {
  filterRows,
  type MarketRow,
  SORT_KEYS,
  type SortDirection,
  type SortKey,
  sortRows,
} from './market-rows.js';
import { COMPONENTS } from './types.js';

const HEADINGS: Readonly<Record<SortKey, string>> = {
  market: 'Market',
  score: 'Score',
  label: 'Label',
  confidence: 'Confidence',
  coverage: 'Coverage',
  staleness: 'Staleness',
  source: 'Source',
};

/**
 * The markets table: one row per tracked stream, sortable by any column (click its heading again
 * to reverse), filtered by the text box, updated in place as results arrive (the row flashes).
 * Rows are kept by stream key, so a live update touches one row's cells.
 */
export class MarketTable {
  readonly #rows = new Map<string, MarketRow>();
  readonly #elements = new Map<string, HTMLTableRowElement>();
  readonly #body = el('tbody');
  readonly #headers = new Map<SortKey, HTMLElement>();
  #sort: SortKey = 'market';
  #direction: SortDirection = 'asc';
  #filter = '';

  constructor(
    container: HTMLElement,
    filterInput: HTMLInputElement,
    private readonly open: (row: MarketRow) => void,
  ) {
    const heads = SORT_KEYS.map((key) => {
      const button = el('button', { text: HEADINGS[key], attrs: { type: 'button', 'data-sort': key } });
      button.addEventListener('click', () => {
        this.#sortBy(key);
      });
      const th = el('th', { attrs: { scope: 'col', 'aria-sort': 'none' } }, button);
      this.#headers.set(key, th);
      return th;
    });
    const table = el(
      'table',
      { className: 'markets', attrs: { id: 'markets-table' } },
      el('thead', {}, el('tr', {}, ...heads, el('th', { text: 'Components', attrs: { scope: 'col' } }))),
      this.#body,
    );
    container.replaceChildren(table);
    filterInput.addEventListener('input', () => {
      this.#filter = filterInput.value;
      this.#render();
    });
    this.#markSort();
  }

  /** Replaces every row (a first load, or a reload after reconnecting). */
  replace(rows: readonly MarketRow[]): void {
    this.#rows.clear();
    this.#elements.clear();
    for (const row of rows) this.#rows.set(row.key, row);
    this.#render();
  }

  row(key: string): MarketRow | undefined {
    return this.#rows.get(key);
  }

  /** A row's new state: its cells rewritten (and flashed when the result changed), order kept sorted. */
  update(row: MarketRow): void {
    const before = this.#rows.get(row.key);
    if (before === undefined) return;
    this.#rows.set(row.key, row);
    const element = this.#elements.get(row.key);
    if (element !== undefined) {
      this.#fill(element, row);
      // A new result: the row flashes once.
      if (before.candleTime !== row.candleTime)
        element.animate([{ backgroundColor: '#fef9c3' }, { backgroundColor: 'transparent' }], {
          duration: 600,
          easing: 'ease-out',
        });
    }
    if (this.#sort !== 'market') this.#render();
  }

  #sortBy(key: SortKey): void {
    if (this.#sort === key) this.#direction = this.#direction === 'asc' ? 'desc' : 'asc';
    else {
      this.#sort = key;
      this.#direction = key === 'market' || key === 'source' ? 'asc' : 'desc';
    }
    this.#markSort();
    this.#render();
  }

  #markSort(): void {
    for (const [key, th] of this.#headers)
      th.setAttribute(
        'aria-sort',
        key === this.#sort ? (this.#direction === 'asc' ? 'ascending' : 'descending') : 'none',
      );
  }

  /** Rows in order, filtered: existing row elements are moved, not rebuilt. */
  #render(): void {
    const shown = sortRows(filterRows([...this.#rows.values()], this.#filter), this.#sort, this.#direction);
    const elements = shown.map((row) => this.#elements.get(row.key) ?? this.#create(row));
    this.#body.replaceChildren(...elements);
    if (shown.length === 0) {
      const text = this.#rows.size === 0 ? 'No tracked markets.' : 'No market matches the filter.';
      this.#body.append(el('tr', { className: 'empty' }, el('td', { text, attrs: { colspan: '8' } })));
    }
  }

  #create(row: MarketRow): HTMLTableRowElement {
    const element = el('tr', { attrs: { 'data-key': row.key, tabindex: '0' } });
    element.addEventListener('click', () => {
      this.open(this.#rows.get(row.key) ?? row);
    });
    element.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') this.open(this.#rows.get(row.key) ?? row);
    });
    this.#fill(element, row);
    this.#elements.set(row.key, element);
    return element;
  }

  #fill(element: HTMLTableRowElement, row: MarketRow): void {
    element.dataset.candleTime = row.candleTime === null ? '' : String(row.candleTime);
    const score = el('td', {
      className: 'score',
      text: formatScore(row.score),
      attrs: { 'data-col': 'score' },
    });
    score.dataset.value = row.score === null ? '' : String(row.score);
    score.style.background = scoreColor(row.score);
    const label = el('td', { attrs: { 'data-col': 'label' } });
    if (row.label !== null)
      label.append(el('span', { className: `badge label-${row.label.toLowerCase()}`, text: row.label }));
    else label.textContent = row.status === 'warm' ? '–' : row.status;
    const source =
      row.source === null ? '–' : el('span', { className: `badge source-${row.source}`, text: row.source });
    const components = el(
      'td',
      { className: 'components', attrs: { 'data-col': 'components' } },
      ...COMPONENTS.map((name) => {
        const value = row.components[name];
        return bar(
          value,
          scoreColor(value),
          `${humanize(name)} ${value === null ? 'no data' : formatScore(value)}`,
        );
      }),
    );
    element.replaceChildren(
      el(
        'td',
        { className: 'market', attrs: { 'data-col': 'market' } },
        el('span', { className: 'symbol', text: row.symbol }),
        el('span', { className: 'sub', text: ` ${row.timeframe} · ${row.exchange}` }),
      ),
      score,
      label,
      el('td', { text: formatWhole(row.confidence), attrs: { 'data-col': 'confidence' } }),
      el('td', { text: formatFraction(row.coverage), attrs: { 'data-col': 'coverage' } }),
      el('td', { text: formatDuration(row.stalenessMs), attrs: { 'data-col': 'staleness' } }),
      el('td', { attrs: { 'data-col': 'source' } }, source),
      components,
    );
  }
}
