import { AnalyzePanel } from './analyze-panel.js';
import { Api, ApiError } from './api.js';
import { ApiKeys } from './api-key.js';
import { byId } from './dom.js';
import { pathSymbol } from './format.js';
import { type ConnectionState, LiveFeed } from './live.js';
import { MarketDetail } from './market-detail.js';
import { type MarketRow, rowOf, withResult, withUpdate } from './market-rows.js';
import { MarketTable } from './market-table.js';
import { type FullResult, type StreamRef, type StreamView, streamKey } from './types.js';

/** `markets=` takes at most 50 streams a call. */
const MANY_PER_CALL = 50;

/**
 * The page: the markets table filled from REST (GET /v1/markets, then the latest of each), kept
 * live over Socket.IO, a market's detail on click (and on `#/market/exchange/SYMBOL/timeframe`),
 * and the analyze panel. After a reconnect everything shown is loaded again: what was missed is
 * not replayed, and a restarted gateway may know other markets.
 */
class Dashboard {
  readonly #keys = new ApiKeys(window.sessionStorage);
  readonly #api = new Api(this.#keys);
  readonly #connection = byId('connection', HTMLElement);
  readonly #message = byId('markets-message', HTMLElement);
  readonly #wrap = byId('table-wrap', HTMLElement);
  readonly #table = new MarketTable(this.#wrap, byId('filter', HTMLInputElement), (row) => {
    window.location.hash = `#/market/${row.exchange}/${pathSymbol(row.symbol)}/${row.timeframe}`;
  });
  readonly #detail = new MarketDetail(byId('detail', HTMLElement), this.#api, () => {
    if (window.location.hash !== '') window.history.replaceState(null, '', window.location.pathname);
  });
  readonly #live = new LiveFeed(this.#keys, {
    state: (state, detail) => {
      this.#showConnection(state, detail);
    },
    connected: () => {
      void this.#onConnected();
    },
    snapshot: (stream, result) => {
      this.#apply(stream, (row) => withResult(row, result));
    },
    update: (update) => {
      this.#apply(update, (row) => withUpdate(row, update));
      this.#detail.update(update);
    },
    signal: (change) => {
      this.#detail.signal(change);
    },
    opinion: (opinion) => {
      this.#detail.opinion(opinion);
    },
  });
  #streams: StreamRef[] = [];
  #connections = 0;
  #loads = 0;

  async start(): Promise<void> {
    new AnalyzePanel(byId('analyze', HTMLElement), this.#api);
    window.addEventListener('hashchange', () => {
      this.#route();
    });
    await this.#load();
    this.#route();
    this.#live.start();
  }

  /** The tracked markets and their latest results, replacing the table. */
  async #load(): Promise<void> {
    try {
      const { markets } = await this.#api.get<{ markets: StreamView[] }>('/v1/markets');
      let rows: MarketRow[] = markets.map(rowOf);
      for (let start = 0; start < markets.length; start += MANY_PER_CALL) {
        const chunk = markets.slice(start, start + MANY_PER_CALL);
        const names = chunk.map((m) => `${m.exchange}:${pathSymbol(m.symbol)}:${m.timeframe}`).join(',');
        const { results } = await this.#api.get<{ results: (FullResult | null)[] }>(
          `/v1/confluence?markets=${encodeURIComponent(names)}`,
        );
        rows = rows.map((row, index) => {
          const result = index >= start ? results[index - start] : undefined;
          return result == null ? row : withResult(row, result);
        });
      }
      this.#streams = markets.map(({ exchange, symbol, timeframe }) => ({ exchange, symbol, timeframe }));
      this.#table.replace(rows);
      this.#loads += 1;
      // How many times the markets were loaded (a reconnect loads them again): for tools and tests.
      this.#wrap.dataset.loads = String(this.#loads);
      this.#message.hidden = true;
    } catch (error) {
      this.#message.hidden = false;
      this.#message.textContent =
        `Could not load the markets: ${error instanceof Error ? error.message : String(error)}` +
        (error instanceof ApiError && error.status === 401 ? ' (reload the page to enter a key)' : '');
    }
  }

  async #onConnected(): Promise<void> {
    this.#connections += 1;
    // The first connection follows what was just loaded; a later one reloads first.
    if (this.#connections > 1) {
      await this.#load();
      this.#detail.reload();
    }
    this.#live.follow(this.#streams);
  }

  #apply(stream: StreamRef, change: (row: MarketRow) => MarketRow): void {
    const row = this.#table.row(streamKey(stream));
    if (row !== undefined) this.#table.update(change(row));
  }

  #showConnection(state: ConnectionState, detail: string): void {
    this.#connection.dataset.state = state;
    this.#connection.textContent = detail;
    document.body.dataset.connection = state;
  }

  /** `#/market/binance/BTC-USDT/1m` opens that market's detail. */
  #route(): void {
    const match = /^#\/market\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(window.location.hash);
    if (match === null) {
      this.#detail.close(false);
      return;
    }
    const [, exchange = '', symbol = '', timeframe = ''] = match;
    const stream = { exchange, symbol: decodeURIComponent(symbol).replace('-', '/'), timeframe };
    if (!this.#detail.isOpen(stream)) void this.#detail.open(stream);
  }
}

void new Dashboard().start();
