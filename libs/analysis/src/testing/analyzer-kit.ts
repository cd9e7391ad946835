import { expect } from '@jest/globals';
import { loadConfig } from '@app/config';
import {
  type Candle,
  type ConfluenceEngine,
  type ConfluenceResult,
  createConfluenceEngine,
  type MarketKey,
  type OrderBookSnapshot,
  type Trade,
} from '@app/confluence';
import { DataSource, MarketEventName, type Timeframe, timeframeToMs } from '@app/contracts';
import { type BusEventData, validateBusEvent } from '@app/contracts/dto';
import { loadMarketCandles, MARKET_FILES, PROJECT_CONFIG_DIR } from '@app/testing';
import type { AnalysisOutput, AnalysisUpdate, MarketEvent } from '../analysis.types.js';
import { MarketAnalyzer } from '../market-analyzer.js';

/**
 * Helpers of the market-analyzer-*.spec.ts suites: one BTC/USDT market analysed with the shipped
 * configuration, its real 1m and 5m candles as validated bus events, and order books, trades and
 * derivatives snapshots around them.
 */

const config = loadConfig({ env: { CONFIG_DIR: PROJECT_CONFIG_DIR } });
export const newEngine = (): ConfluenceEngine =>
  createConfluenceEngine({ indicators: config.indicators, weights: config.weights });

export const MARKET = { exchange: 'binance', symbol: 'BTC/USDT' } as const;
export const REFRESH_MS = 5_000;
export const key = (timeframe: Timeframe): MarketKey => ({ ...MARKET, timeframe });
export const newAnalyzer = (
  engine: ConfluenceEngine = newEngine(),
  clock: 'wall' | 'data' = 'wall',
): MarketAnalyzer => new MarketAnalyzer(MARKET, engine, { refreshIntervalMs: REFRESH_MS, clock });

export const btc1m = loadMarketCandles(MARKET_FILES.btc1m, 1_500);
export const btc5m = loadMarketCandles(MARKET_FILES.btc5m, 300);

export type CandleEvent = Extract<MarketEvent, { name: typeof MarketEventName.CandleClosed }>;

export const closeOf = (timeframe: Timeframe, candle: Candle): number =>
  candle.timestamp + timeframeToMs(timeframe);

/** A market event as the worker receives it: validated by the bus, so its payload is an instance of its class. */
export function received<N extends MarketEventName>(name: N, data: BusEventData<N>): MarketEvent {
  const validated = validateBusEvent(name, data);
  if (!validated.ok) throw new Error(`${name}: ${validated.errors.join('; ')}`);
  return { name, payload: validated.value } as MarketEvent;
}

export function candleEvent(
  timeframe: Timeframe,
  candle: Candle,
  emittedAt = closeOf(timeframe, candle),
): CandleEvent {
  const event = received(MarketEventName.CandleClosed, {
    ...MARKET,
    timeframe,
    source: DataSource.Replay,
    emittedAt,
    candle: { ...candle },
  });
  if (event.name !== MarketEventName.CandleClosed) throw new Error(event.name);
  return event;
}

export function book(timestamp: number, mid: number, bidSize: number, askSize: number): OrderBookSnapshot {
  return {
    timestamp,
    bids: [1, 2, 3, 4, 5].map((i) => ({ price: mid - i, size: bidSize })),
    asks: [1, 2, 3, 4, 5].map((i) => ({ price: mid + i, size: askSize })),
  };
}

export function bookEvent(snapshot: OrderBookSnapshot, emittedAt = snapshot.timestamp): MarketEvent {
  return received(MarketEventName.OrderBookSnapshot, {
    ...MARKET,
    source: DataSource.Replay,
    emittedAt,
    ...snapshot,
  });
}

export function trades(from: number, price: number, side: 'buy' | 'sell', count = 5): Trade[] {
  return Array.from({ length: count }, (_, i) => ({ timestamp: from + i, price, size: 1 + i, side }));
}

export function tradesEvent(list: readonly Trade[]): MarketEvent {
  const emittedAt = list.at(-1)?.timestamp ?? 0;
  return received(MarketEventName.TradesBatch, {
    ...MARKET,
    source: DataSource.Replay,
    emittedAt,
    trades: list,
  });
}

/**
 * Every candle as a validated, frozen event, built once per suite on first use: validating them
 * again for every timeline() was a tenth of the analyser suites' time. Frozen, so an analyser
 * that changed its input would throw here instead of corrupting the next test's events.
 */
const validatedCandles: { '1m'?: readonly CandleEvent[]; '5m'?: readonly CandleEvent[] } = {};
function candleEvents(timeframe: '1m' | '5m'): readonly CandleEvent[] {
  validatedCandles[timeframe] ??= (timeframe === '1m' ? btc1m : btc5m).map((c) =>
    deepFreeze(candleEvent(timeframe, c)),
  );
  return validatedCandles[timeframe];
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** 1m and 5m candles of the same days, in the order they close (on a tie the 1m candle first). */
export function timeline(minutes: number): CandleEvent[] {
  const events = [
    ...candleEvents('1m').slice(0, minutes),
    ...candleEvents('5m').slice(0, Math.floor(minutes / 5)),
  ];
  return events.sort(
    (a, b) =>
      a.payload.emittedAt - b.payload.emittedAt ||
      timeframeToMs(a.payload.timeframe) - timeframeToMs(b.payload.timeframe),
  );
}

/** One event per batch, `now` = the event's emission. */
export function feedOneByOne(analyzer: MarketAnalyzer, events: readonly MarketEvent[]): AnalysisOutput[] {
  return events.map((event) => analyzer.process([event], event.payload.emittedAt));
}

export const headline = (r: ConfluenceResult) => ({
  timeframe: r.timeframe,
  candleTime: r.candleTime,
  score: r.score,
  label: r.label,
  inputHash: r.inputHash,
  configHash: r.configHash,
});

export function only(output: AnalysisOutput): AnalysisUpdate {
  expect(output.updates).toHaveLength(1);
  const [update] = output.updates;
  if (update === undefined) throw new Error('no update');
  return update;
}

export const warmed = (
  minutes: number,
): { analyzer: MarketAnalyzer; engine: ConfluenceEngine; last: CandleEvent } => {
  const engine = newEngine();
  const analyzer = newAnalyzer(engine);
  const events = btc1m.slice(0, minutes).map((c) => candleEvent('1m', c));
  feedOneByOne(analyzer, events);
  const last = events.at(-1);
  if (last === undefined) throw new Error('no candle to warm up with');
  return { analyzer, engine, last };
};
