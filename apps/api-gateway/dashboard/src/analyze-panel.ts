import { type Api, ApiError } from './api.js';
import { parseCandlesCsv } from './csv.js';
import { el } from './dom.js';
import { breakdown, summary } from './result-sections.js';
import type { FullResult } from './types.js';

/** The gateway's timeframes (ccxt's notation). */
const TIMEFRAMES = '1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 3d 1w 1M'.split(' ');

/**
 * "Analyze": candles pasted or uploaded as CSV, scored by the gateway (POST /v1/confluence/analyze,
 * not stored). Shows the full result, or the gateway's error naming each offending field.
 */
export class AnalyzePanel {
  readonly #symbol = el('input', {
    attrs: {
      id: 'analyze-symbol',
      value: 'BTC/USDT',
      required: '',
      autocomplete: 'off',
      'aria-label': 'Symbol',
    },
  });
  readonly #timeframe = el('select', { attrs: { id: 'analyze-timeframe', 'aria-label': 'Timeframe' } });
  readonly #csv = el('textarea', {
    attrs: {
      id: 'analyze-csv',
      rows: '6',
      spellcheck: 'false',
      placeholder:
        'timestamp,open,high,low,close,volume\n1613692800000,51552.61,51657.05,51545,51613.38,134.98',
      'aria-label': 'Candles CSV',
    },
  });
  readonly #file = el('input', {
    attrs: { id: 'analyze-file', type: 'file', accept: '.csv,text/csv,text/plain', 'aria-label': 'CSV file' },
  });
  readonly #submit = el('button', { text: 'Analyze', attrs: { type: 'submit', id: 'analyze-submit' } });
  readonly #output = el('div', {
    attrs: { id: 'analyze-output', 'data-state': 'idle', 'aria-live': 'polite' },
  });

  constructor(
    section: HTMLElement,
    private readonly api: Api,
  ) {
    for (const timeframe of TIMEFRAMES)
      this.#timeframe.append(el('option', { text: timeframe, attrs: { value: timeframe } }));
    const form = el(
      'form',
      { className: 'analyze-form', attrs: { id: 'analyze-form' } },
      el(
        'div',
        { className: 'row' },
        el('label', { text: 'Symbol ' }, this.#symbol),
        el('label', { text: 'Timeframe ' }, this.#timeframe),
        el('label', { className: 'file', text: 'CSV file ' }, this.#file),
      ),
      this.#csv,
      el(
        'div',
        { className: 'row' },
        this.#submit,
        el('span', {
          className: 'hint',
          text: 'header: timestamp,open,high,low,close,volume (ms since the epoch, UTC)',
        }),
      ),
    );
    section.replaceChildren(
      el(
        'div',
        { className: 'panel-head' },
        el('h2', { text: 'Analyze candles', attrs: { id: 'analyze-title' } }),
      ),
      form,
      this.#output,
    );
    this.#file.addEventListener('change', () => {
      void this.#readFile();
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.#analyze();
    });
  }

  async #readFile(): Promise<void> {
    const file = this.#file.files?.[0];
    if (file !== undefined) this.#csv.value = await file.text();
  }

  async #analyze(): Promise<void> {
    const parsed = parseCandlesCsv(this.#csv.value);
    if (!parsed.ok) {
      this.#show('error', el('p', { className: 'error', text: parsed.error }));
      return;
    }
    const body = { symbol: this.#symbol.value.trim(), candles: { [this.#timeframe.value]: parsed.candles } };
    this.#submit.disabled = true;
    this.#show(
      'loading',
      el('p', { className: 'muted', text: `Analyzing ${parsed.candles.length} candles…` }),
    );
    try {
      const result = await this.api.post<FullResult>('/v1/confluence/analyze', body);
      this.#show(
        'result',
        summary(result),
        breakdown(result),
        el(
          'details',
          {},
          el('summary', { text: 'Full result (JSON)' }),
          el('pre', { text: JSON.stringify(result, null, 2), attrs: { id: 'analyze-json' } }),
        ),
      );
    } catch (error) {
      const issues = error instanceof ApiError ? (error.body?.errors ?? []) : [];
      this.#show(
        'error',
        el('p', { className: 'error', text: error instanceof Error ? error.message : String(error) }),
        issues.length > 0 &&
          el(
            'ul',
            { className: 'issues' },
            ...issues.map((issue) => el('li', {}, el('code', { text: issue.field }), ` ${issue.message}`)),
          ),
      );
    } finally {
      this.#submit.disabled = false;
    }
  }

  #show(state: string, ...children: (Node | false)[]): void {
    this.#output.dataset.state = state;
    this.#output.replaceChildren(...children.filter((child): child is Node => child !== false));
  }
}
