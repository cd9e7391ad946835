import { type Candle, type DerivativesSnapshot, type Trade, TradeSide } from '../domain/market-data.types.js';
import type { ComponentContext, ComponentReading, ConfluenceComponent } from './component.types.js';
import { ReadingBuilder } from './reading-builder.js';
import { imbalance, ratio, tanhScore } from './score-mapping.js';
import { quantile } from './statistics.js';
import { finite, sign } from '../domain/fast-math.js';

/** Trades are read over this many candle durations back from the newest trade. */
export const FLOW_WINDOW_CANDLES = 5;
/** Candle duration assumed when neither the stream's interval nor two candles give one. */
export const DEFAULT_CANDLE_MS = 60_000;
/** Fewest trades in the window for a meaningful 90th-percentile size. */
export const MIN_LARGE_TRADE_SAMPLE = 10;
/** Trades at or above this quantile of the window's sizes are "large". */
export const LARGE_TRADE_QUANTILE = 0.9;

const TRADE_SUBSCORES = ['cumulativeVolumeDelta', 'tradeImbalance', 'largeTradePressure'] as const;

/**
 * Order flow: are takers buying or selling, and is leverage entering with the move?
 * Reads the recent tape (taker side) and open interest from derivatives snapshots.
 */
export class OrderFlowComponent implements ConfluenceComponent {
  readonly name = 'orderFlow' as const;

  evaluate(context: ComponentContext): ComponentReading {
    const reading = new ReadingBuilder(this.name);
    scoreTrades(reading, context.trades, flowWindowMs(context.intervalMs, context.candles));
    scoreOpenInterest(reading, context);
    return reading.build();
  }
}

/**
 * Five candle durations: the stream's interval, else the last two candles' spacing, else one
 * minute.
 */
export function flowWindowMs(intervalMs: number, candles: readonly Candle[]): number {
  const last = candles.at(-1);
  const previous = candles.at(-2);
  const spacing = last !== undefined && previous !== undefined ? last.timestamp - previous.timestamp : 0;
  const duration = [intervalMs, spacing].find((ms) => ms > 0 && finite(ms)) ?? DEFAULT_CANDLE_MS;
  return FLOW_WINDOW_CANDLES * duration;
}

interface Tally {
  buyCount: number;
  sellCount: number;
  buySize: number;
  sellSize: number;
}

function tally(trades: readonly Trade[]): Tally {
  const result: Tally = { buyCount: 0, sellCount: 0, buySize: 0, sellSize: 0 };
  for (const trade of trades) {
    const size = trade.size > 0 && finite(trade.size) ? trade.size : 0;
    if (trade.side === TradeSide.Buy) {
      result.buyCount += 1;
      result.buySize += size;
    } else {
      result.sellCount += 1;
      result.sellSize += size;
    }
  }
  return result;
}

/** Index of the first trade later than `time` in oldest-first `trades` (its length if none). */
function firstAfter(trades: readonly Trade[], time: number): number {
  let low = 0;
  let high = trades.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((trades[mid] as Trade).timestamp > time) high = mid;
    else low = mid + 1;
  }
  return low;
}

function scoreTrades(reading: ReadingBuilder, trades: readonly Trade[] | undefined, windowMs: number): void {
  if (trades === undefined || trades.length === 0) {
    for (const name of TRADE_SUBSCORES) reading.miss(name, 'no trades');
    return;
  }
  // Trades come oldest first (ComponentContext), so the tape's newest is the last one and the
  // window is a suffix, found by bisection: the engine holds thousands of trades per market and
  // scans them on every analysis.
  const newest = (trades.at(-1) as Trade).timestamp;
  // The window is (newest − windowMs, newest]: a trade exactly windowMs old has left it.
  const recent = trades.slice(firstAfter(trades, newest - windowMs));
  if (recent.length === 0) {
    for (const name of TRADE_SUBSCORES) reading.miss(name, 'no trades in window');
    return;
  }
  // The tape is as of its newest trade.
  reading.used(newest);
  const all = tally(recent);

  const cvdX = imbalance(all.buySize, all.sellSize);
  // Cumulative volume delta: taker buy minus taker sell volume, as a share of volume traded.
  reading.add('cumulativeVolumeDelta', tanhScore(cvdX, 0.5), cvdX, {
    buyVolume: all.buySize,
    sellVolume: all.sellSize,
    windowMs,
  });

  const countX = imbalance(all.buyCount, all.sellCount);
  // Trade-count imbalance (Chordia & Subrahmanyam 2004): buyer- minus seller-initiated trades.
  reading.add('tradeImbalance', tanhScore(countX, 0.5), countX, {
    buyTrades: all.buyCount,
    sellTrades: all.sellCount,
  });

  if (recent.length < MIN_LARGE_TRADE_SAMPLE) {
    reading.miss(
      'largeTradePressure',
      `needs ${MIN_LARGE_TRADE_SAMPLE} trades in window, has ${recent.length}`,
    );
    return;
  }
  const sizes = recent.map((trade) => trade.size);
  const threshold = quantile(sizes, LARGE_TRADE_QUANTILE) ?? 0;
  const large = tally(recent.filter((trade) => trade.size >= threshold));
  const largeX = imbalance(large.buySize, large.sellSize);
  // Large-trade pressure (Easley & O'Hara 1987: informed traders trade size): net size of top-decile trades.
  reading.add('largeTradePressure', tanhScore(largeX, 0.5), largeX, {
    sizeThreshold: threshold,
    largeTrades: large.buyCount + large.sellCount,
    largeBuyVolume: large.buySize,
    largeSellVolume: large.sellSize,
  });
}

function scoreOpenInterest(reading: ReadingBuilder, context: ComponentContext): void {
  const { candles } = context;
  const withOi = (context.derivatives ?? []).filter(
    (snapshot): snapshot is DerivativesSnapshot & { openInterest: number } =>
      snapshot.openInterest !== undefined && finite(snapshot.openInterest),
  );
  const first = withOi[0];
  const last = withOi.at(-1);
  const lastCandle = candles.at(-1);
  if (first === undefined || last === undefined || withOi.length < 2) {
    reading.miss('openInterestChange', 'needs two open-interest snapshots');
    return;
  }
  if (lastCandle === undefined) {
    reading.miss('openInterestChange', 'no candles for the price direction');
    return;
  }
  // Price over the same span: from the candle open at (or before) the first snapshot, else the first candle.
  const reference =
    candles.findLast((candle) => candle.timestamp <= first.timestamp) ?? candles[0] ?? lastCandle;
  const priceChange = lastCandle.close - reference.close;
  const oiChange = ratio(last.openInterest - first.openInterest, first.openInterest);
  const x = oiChange * sign(priceChange);
  // As of the newest snapshot used and the last candle's close.
  reading.used(last.timestamp).used(lastCandle.timestamp + context.intervalMs);
  // Open interest with price (Murphy 1999): rising OI confirms the move, falling OI weakens it.
  reading.add('openInterestChange', tanhScore(x, 0.02), x, {
    openInterestFirst: first.openInterest,
    openInterestLast: last.openInterest,
    openInterestChange: oiChange,
    referenceClose: reference.close,
    close: lastCandle.close,
  });
}
