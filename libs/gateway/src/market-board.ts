import {
  type DataSource,
  type Signal,
  type StreamRef,
  streamRoom,
  type Timeframe,
  timeframeToMs,
} from '@app/contracts';
import { type CandleClosedEvent, type ConfluenceUpdatedEvent } from '@app/contracts/dto';

// Where the gateway's callers have always found it.
export type { StreamRef } from '@app/contracts';

/**
 * `waiting`: no candle seen yet; `warming-up`: candles arrive, no score yet; `warm`: scored and
 * fresh; `stale`: no closed candle for `staleAfterIntervals` intervals.
 */
export type StreamStatus = 'waiting' | 'warming-up' | 'warm' | 'stale';

export interface StreamView extends StreamRef {
  readonly status: StreamStatus;
  readonly source: DataSource | null;
  /** Open time of the newest closed candle seen (ISO), and how long ago it arrived. */
  readonly lastCandleTime: string | null;
  readonly lastCandleAgeSeconds: number | null;
  readonly candlesSeen: number;
  readonly lastResult: { readonly candleTime: string; readonly score: number; readonly label: Signal } | null;
}

export interface ExchangeFreshness {
  readonly exchange: string;
  readonly status: 'ok' | 'degraded';
  readonly streams: number;
  readonly fresh: number;
  readonly reason?: string;
}

interface StreamState extends StreamRef {
  source: DataSource | null;
  lastCandleTime: number | null;
  receivedAt: number | null;
  candlesSeen: number;
  lastResult: { candleTime: number; score: number; label: Signal } | null;
}

/**
 * What the gateway knows of every market stream, from the bus alone (the same in local and
 * distributed mode): the tracked streams from configuration, plus any stream seen on the bus;
 * closed candles give freshness, `confluence.updated` gives the latest score.
 */
export class MarketBoard {
  readonly #streams = new Map<string, StreamState>();

  constructor(
    tracked: readonly StreamRef[],
    private readonly staleAfterIntervals: number,
    private readonly now: () => number,
  ) {
    for (const stream of tracked) this.#state(stream);
  }

  #state(stream: StreamRef): StreamState {
    const key = streamRoom(stream);
    let state = this.#streams.get(key);
    if (state === undefined) {
      state = {
        exchange: stream.exchange,
        symbol: stream.symbol,
        timeframe: stream.timeframe,
        source: null,
        lastCandleTime: null,
        receivedAt: null,
        candlesSeen: 0,
        lastResult: null,
      };
      this.#streams.set(key, state);
    }
    return state;
  }

  onCandle(event: CandleClosedEvent): void {
    const state = this.#state(event);
    state.source = event.source;
    state.candlesSeen += 1;
    if (state.lastCandleTime === null || event.candle.timestamp >= state.lastCandleTime) {
      state.lastCandleTime = event.candle.timestamp;
      state.receivedAt = this.now();
    }
  }

  onResult(event: ConfluenceUpdatedEvent): void {
    const state = this.#state(event);
    state.source = event.source;
    if (state.lastResult === null || event.candleTime >= state.lastResult.candleTime)
      state.lastResult = { candleTime: event.candleTime, score: event.score, label: event.label };
  }

  /** Whether the market (any timeframe) is tracked or has been seen. */
  knowsMarket(exchange: string, symbol: string): boolean {
    for (const state of this.#streams.values())
      if (state.exchange === exchange && state.symbol === symbol) return true;
    return false;
  }

  knows(stream: StreamRef): boolean {
    return this.#streams.has(streamRoom(stream));
  }

  /** The market's shortest known timeframe (the default of `GET latest`), or null. */
  defaultTimeframe(exchange: string, symbol: string): Timeframe | null {
    let best: Timeframe | null = null;
    for (const state of this.#streams.values()) {
      if (state.exchange !== exchange || state.symbol !== symbol) continue;
      if (best === null || timeframeToMs(state.timeframe) < timeframeToMs(best)) best = state.timeframe;
    }
    return best;
  }

  sourceOf(stream: StreamRef): DataSource | null {
    return this.#streams.get(streamRoom(stream))?.source ?? null;
  }

  #status(state: StreamState, now: number): StreamStatus {
    if (state.receivedAt === null) return state.lastResult === null ? 'waiting' : 'warm';
    if (now - state.receivedAt > this.staleAfterIntervals * timeframeToMs(state.timeframe)) return 'stale';
    return state.lastResult === null ? 'warming-up' : 'warm';
  }

  list(): StreamView[] {
    const now = this.now();
    return [...this.#streams.values()]
      .map((state) => ({
        exchange: state.exchange,
        symbol: state.symbol,
        timeframe: state.timeframe,
        status: this.#status(state, now),
        source: state.source,
        lastCandleTime: state.lastCandleTime === null ? null : new Date(state.lastCandleTime).toISOString(),
        lastCandleAgeSeconds: state.receivedAt === null ? null : Math.max(0, (now - state.receivedAt) / 1000),
        candlesSeen: state.candlesSeen,
        lastResult:
          state.lastResult === null
            ? null
            : { ...state.lastResult, candleTime: new Date(state.lastResult.candleTime).toISOString() },
      }))
      .sort((a, b) => streamRoom(a).localeCompare(streamRoom(b)));
  }

  /** Seconds since the newest closed candle of each stream (metrics), null before the first. */
  ages(): { stream: StreamRef; ageSeconds: number | null }[] {
    const now = this.now();
    return [...this.#streams.values()].map((state) => ({
      stream: state,
      ageSeconds: state.receivedAt === null ? null : (now - state.receivedAt) / 1000,
    }));
  }

  /** Market-data freshness per exchange, for readiness: `degraded` names the streams behind. */
  freshness(): ExchangeFreshness[] {
    const byExchange = new Map<string, StreamView[]>();
    for (const view of this.list()) {
      const list = byExchange.get(view.exchange) ?? [];
      list.push(view);
      byExchange.set(view.exchange, list);
    }
    return [...byExchange.entries()].map(([exchange, views]) => {
      const behind = views.filter((view) => view.status === 'stale' || view.status === 'waiting');
      const fresh = views.length - behind.length;
      if (behind.length === 0) return { exchange, status: 'ok', streams: views.length, fresh };
      return {
        exchange,
        status: 'degraded',
        streams: views.length,
        fresh,
        reason: `no recent closed candle for ${behind.map((view) => `${view.symbol} ${view.timeframe}`).join(', ')}`,
      };
    });
  }
}
