import type { Candle } from '@app/confluence';
import type { Timeframe } from '@app/contracts';
import { prng } from '../prng.js';
import { checkCount, FACTORY_EPOCH, intervalOf } from './constants.js';

export type CandleOverrides = Partial<Candle>;

/** A small green candle with a wick on each side: valid for the engine, the bus and the REST contract. */
export const DEFAULT_CANDLE: Candle = Object.freeze({
  timestamp: FACTORY_EPOCH,
  open: 100,
  high: 102,
  low: 99,
  close: 101,
  volume: 5,
});

export interface SpacingOptions {
  /** Spacing of consecutive open times; default 1m. */
  readonly timeframe?: Timeframe;
  /** Spacing in ms, for unaligned or odd spacings; wins over `timeframe`. */
  readonly intervalMs?: number;
}

/**
 * One candle: the default with `overrides` merged. When open or close is overridden and high or
 * low is not, that extreme is the body's edge, so the candle stays consistent. An explicit high or
 * low is kept as given, even an inconsistent one: tests of validation need broken candles.
 */
function build(overrides: CandleOverrides = {}): Candle {
  const open = overrides.open ?? DEFAULT_CANDLE.open;
  const close = overrides.close ?? DEFAULT_CANDLE.close;
  const bodyMoved = overrides.open !== undefined || overrides.close !== undefined;
  return {
    timestamp: overrides.timestamp ?? DEFAULT_CANDLE.timestamp,
    open,
    high: overrides.high ?? (bodyMoved ? Math.max(open, close) : DEFAULT_CANDLE.high),
    low: overrides.low ?? (bodyMoved ? Math.min(open, close) : DEFAULT_CANDLE.low),
    close,
    volume: overrides.volume ?? DEFAULT_CANDLE.volume,
  };
}

/**
 * `count` candles at contiguous open times from `overrides.timestamp` (default the epoch), each
 * built from the same overrides, or from `overrides(index)`, whose own timestamp wins.
 */
function buildList(
  count: number,
  overrides: CandleOverrides | ((index: number) => CandleOverrides) = {},
  spacing: SpacingOptions = {},
): Candle[] {
  checkCount(count);
  const interval = intervalOf(spacing);
  const first = typeof overrides === 'function' ? FACTORY_EPOCH : (overrides.timestamp ?? FACTORY_EPOCH);
  return Array.from({ length: count }, (_, index) => {
    const contiguous = first + index * interval;
    if (typeof overrides !== 'function') return build({ ...overrides, timestamp: contiguous });
    const own = overrides(index);
    return build({ ...own, timestamp: own.timestamp ?? contiguous });
  });
}

/**
 * The default candle with fields replaced verbatim, values of the wrong type and unknown
 * properties included, no consistency rule applied: the raw body a test of validation sends.
 */
function raw(fields: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  return { ...DEFAULT_CANDLE, ...fields };
}

export const candleFactory = { build, buildList, raw } as const;

export interface SeriesOptions extends SpacingOptions {
  /** Open time of the first candle; default the epoch. */
  readonly startTime?: number;
  /** Volume of every candle, or per index; default the default candle's. */
  readonly volume?: number | ((index: number) => number);
  /** How far high and low reach beyond the body; default 0 (no wicks). */
  readonly wick?: number;
  /**
   * `previous-close` (default): each candle opens where the one before closed, as a continuous
   * market does; `close`: every candle opens at its own close (a doji at each price).
   */
  readonly opens?: 'previous-close' | 'close';
}

/**
 * Candles with these closes at contiguous open times. Throws rather than return a candle the
 * contracts would refuse (a price ≤ 0 or not finite, a negative volume).
 */
function fromCloses(closes: readonly number[], options: SeriesOptions = {}): Candle[] {
  const interval = intervalOf(options);
  const start = options.startTime ?? FACTORY_EPOCH;
  const wick = options.wick ?? 0;
  const opensAtClose = options.opens === 'close';
  return closes.map((close, index) => {
    const open = opensAtClose || index === 0 ? close : (closes[index - 1] as number);
    const volume =
      typeof options.volume === 'function'
        ? options.volume(index)
        : (options.volume ?? DEFAULT_CANDLE.volume);
    const candle: Candle = {
      timestamp: start + index * interval,
      open,
      high: Math.max(open, close) + wick,
      low: Math.min(open, close) - wick,
      close,
      volume,
    };
    if (!(candle.low > 0) || !Number.isFinite(candle.high) || !(wick >= 0))
      throw new RangeError(`candle ${index} would have a price ≤ 0 or not finite: ${JSON.stringify(candle)}`);
    if (!(volume >= 0) || !Number.isFinite(volume))
      throw new RangeError(`candle ${index} would have volume ${volume}`);
    return candle;
  });
}

export interface FlatOptions extends SeriesOptions {
  readonly count: number;
  /** Default the default candle's close. */
  readonly price?: number;
}

export interface TrendingOptions extends SeriesOptions {
  readonly count: number;
  /** Close of the first candle; default the default candle's close. */
  readonly start?: number;
  /** Change of the close per candle (negative for a downtrend); default 1. */
  readonly step?: number;
}

export interface RandomWalkOptions extends SeriesOptions {
  readonly count: number;
  /** The PRNG seed: the same seed gives the same series. */
  readonly seed: number;
  /** Close of the first candle; default the default candle's close. */
  readonly start?: number;
  /** Largest relative move of one close, and the reach of its wicks; default 0.01. */
  readonly volatility?: number;
}

function flat(options: FlatOptions): Candle[] {
  checkCount(options.count);
  return fromCloses(Array<number>(options.count).fill(options.price ?? DEFAULT_CANDLE.close), options);
}

function trending(options: TrendingOptions): Candle[] {
  checkCount(options.count);
  const start = options.start ?? DEFAULT_CANDLE.close;
  const step = options.step ?? 1;
  return fromCloses(
    Array.from({ length: options.count }, (_, index) => start + index * step),
    options,
  );
}

/**
 * A seeded random walk (multiplicative, so it stays positive) with random wicks and volumes:
 * realistic-looking, reproducible from its seed.
 */
function randomWalk(options: RandomWalkOptions): Candle[] {
  checkCount(options.count);
  const random = prng(options.seed);
  const volatility = options.volatility ?? 0.01;
  // At 1 or more a move or a wick could reach zero.
  if (!(volatility >= 0 && volatility < 1))
    throw new RangeError(`volatility must be in [0, 1), got ${volatility}`);
  const closes: number[] = [];
  let close = options.start ?? DEFAULT_CANDLE.close;
  for (let index = 0; index < options.count; index++) {
    if (index > 0) close *= 1 + (random() * 2 - 1) * volatility;
    closes.push(close);
  }
  const plain = fromCloses(closes, { ...options, wick: 0 });
  return plain.map((candle) => ({
    ...candle,
    high: candle.high * (1 + random() * volatility),
    low: candle.low * (1 - random() * volatility),
    volume: options.volume === undefined ? random() * 10 : candle.volume,
  }));
}

export const seriesFactory = { fromCloses, flat, trending, randomWalk } as const;
