import type {
  SignalChange,
  StoredCandle,
  StoredMarket,
  StoredOrderBook,
  StoredResult,
} from '@app/persistence';
// The contracts barrel would load class-validator; this leaf file imports nothing.
import { timeframeToMs } from '../../../contracts/src/timeframe.js';
import { candleFactory } from './candles.js';
import { FACTORY_EPOCH, FACTORY_MARKET, FACTORY_TIMEFRAME, hexDigestOf, labelForScore } from './constants.js';
import { orderBookFactory } from './market-data.js';

function storedMarket(overrides: Partial<StoredMarket>): StoredMarket {
  return {
    exchange: overrides.exchange ?? FACTORY_MARKET.exchange,
    symbol: overrides.symbol ?? FACTORY_MARKET.symbol,
    timeframe: overrides.timeframe ?? FACTORY_TIMEFRAME,
  };
}

/**
 * A result as the repositories write and read it: computed at its candle's close, the label
 * following the score at the shipped thresholds, the input hash unique to the candle time.
 */
function buildResult(overrides: Partial<StoredResult> = {}): StoredResult {
  const market = storedMarket(overrides);
  const candleTime = overrides.candleTime ?? FACTORY_EPOCH;
  const score = overrides.score ?? 50;
  return {
    ...market,
    candleTime,
    computedAt: overrides.computedAt ?? candleTime + timeframeToMs(market.timeframe),
    score,
    label: overrides.label ?? labelForScore(score),
    confidence: overrides.confidence ?? 40,
    coverage: overrides.coverage ?? 1,
    staleness: overrides.staleness ?? 0,
    engineVersion: overrides.engineVersion ?? '1.0.0',
    configHash: overrides.configHash ?? 'c'.repeat(64),
    inputHash: overrides.inputHash ?? hexDigestOf(candleTime),
    format: overrides.format ?? 1,
    result: overrides.result ?? { reasoning: 'test result' },
  };
}

export const storedResultFactory = { build: buildResult } as const;

/** A stored candle: the candle factory's candle (same override rules) of a market, from the live feed. */
function buildCandle(overrides: Partial<StoredCandle> = {}): StoredCandle {
  return {
    ...storedMarket(overrides),
    ...candleFactory.build(overrides),
    source: overrides.source ?? 'live',
  };
}

export const storedCandleFactory = { build: buildCandle } as const;

/** A recorded order book: the order-book factory's (levels sorted best first), without an update id. */
function buildOrderBook(overrides: Partial<StoredOrderBook> = {}): StoredOrderBook {
  const book = orderBookFactory.build(overrides);
  return {
    exchange: overrides.exchange ?? FACTORY_MARKET.exchange,
    symbol: overrides.symbol ?? FACTORY_MARKET.symbol,
    timestamp: book.timestamp,
    sequence: overrides.sequence ?? null,
    bids: book.bids,
    asks: book.asks,
    source: overrides.source ?? 'live',
  };
}

export const storedOrderBookFactory = { build: buildOrderBook } as const;

/** A stream's first label (from null), following its score at the shipped thresholds. */
function buildSignalChange(overrides: Partial<SignalChange> = {}): SignalChange {
  const score = overrides.score ?? 50;
  return {
    ...storedMarket(overrides),
    time: overrides.time ?? FACTORY_EPOCH,
    from: overrides.from ?? null,
    to: overrides.to ?? labelForScore(score),
    score,
    confidence: overrides.confidence ?? 40,
  };
}

export const signalChangeFactory = { build: buildSignalChange } as const;
