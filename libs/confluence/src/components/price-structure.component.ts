import { COMPONENT_SUBSCORES } from '@app/contracts';
import type { Candle } from '../domain/market-data.types.js';
import type { ComponentContext, ComponentReading, ConfluenceComponent } from './component.types.js';
import { ReadingBuilder } from './reading-builder.js';
import { ratio, tanhScore } from './score-mapping.js';
import { INFINITY, max, min } from '../domain/fast-math.js';

/** Candles on each side that a swing high/low must exceed (Williams fractal: 2). */
const PIVOT_SPAN = 2;
/** Candles of the Donchian range for rangePosition. */
const RANGE_WINDOW = 50;

interface Swing {
  readonly index: number;
  readonly price: number;
}

/**
 * Price structure from the candle window: swing points (fractal pivots), the levels they leave,
 * whether the swings step up or down, breaks of them, the range, fair value gaps, and the trend
 * of the market's other timeframes. Distances are in ATRs.
 */
export class PriceStructureComponent implements ConfluenceComponent {
  readonly name = 'priceStructure' as const;

  evaluate(context: ComponentContext): ComponentReading {
    const { candles, indicators: ind, names } = context;
    const reading = new ReadingBuilder(this.name);
    const last = candles.at(-1);
    const atr = ind.get(names.atr);
    if (last === undefined || atr === null || atr <= 0) {
      for (const name of COMPONENT_SUBSCORES.priceStructure) {
        reading.miss(
          name,
          atr === null || last === undefined ? 'ATR not warm yet' : 'no price movement (ATR is 0)',
        );
      }
      return reading.build();
    }
    const close = last.close;
    const highs = swings(candles, (c) => c.high, 1);
    const lows = swings(candles, (c) => c.low, -1);

    // Nearest swing levels (support below, resistance above): nearer support is bullish (bounce).
    const resistance = nearest(
      highs.concat(lows),
      (p) => p > close,
      (a, b) => a < b,
    );
    const support = nearest(
      highs.concat(lows),
      (p) => p < close,
      (a, b) => a > b,
    );
    if (resistance === null || support === null)
      reading.miss('supportResistance', 'no swing level on one side');
    else {
      const toResistance = (resistance - close) / atr;
      const toSupport = (close - support) / atr;
      const x = (toResistance - toSupport) / (toResistance + toSupport);
      reading.add('supportResistance', tanhScore(x, 0.5), x, { support, resistance, atr });
    }

    // Market structure (Dow theory): higher highs and higher lows bullish, lower both bearish.
    const [h1, h2] = [highs.at(-2), highs.at(-1)];
    const [l1, l2] = [lows.at(-2), lows.at(-1)];
    if (h1 === undefined || h2 === undefined || l1 === undefined || l2 === undefined) {
      reading.miss('marketStructure', 'fewer than two swing highs and lows');
    } else {
      const x = (h2.price - h1.price + (l2.price - l1.price)) / (2 * atr);
      const inputs = { previousHigh: h1.price, lastHigh: h2.price, previousLow: l1.price, lastLow: l2.price };
      reading.add('marketStructure', tanhScore(x, 3), x, inputs);
    }

    // Break of structure (ICT/SMC): a close beyond the last swing high/low, by how many ATRs.
    if (h2 === undefined || l2 === undefined) reading.miss('breakOfStructure', 'no swing high and low yet');
    else {
      const x = close > h2.price ? (close - h2.price) / atr : close < l2.price ? (close - l2.price) / atr : 0;
      reading.add('breakOfStructure', tanhScore(x, 1), x, {
        lastSwingHigh: h2.price,
        lastSwingLow: l2.price,
        close,
      });
    }

    // Range position (Donchian channel): where the close sits in the recent high–low range.
    const range = candles.slice(-RANGE_WINDOW);
    if (range.length < RANGE_WINDOW) reading.miss('rangePosition', 'not enough candles');
    else {
      const highest = max(...range.map((c) => c.high));
      const lowest = min(...range.map((c) => c.low));
      const x = highest > lowest ? (2 * (close - lowest)) / (highest - lowest) - 1 : 0;
      reading.add('rangePosition', tanhScore(x, 1), x, { highest, lowest, close });
    }

    // Fair value gaps (ICT): unfilled three-candle imbalances; open bullish gaps support price.
    if (candles.length < 3) reading.miss('fairValueGaps', 'not enough candles');
    else {
      const { bullish, bearish } = openGaps(candles);
      const x = (bullish - bearish) / atr;
      reading.add('fairValueGaps', tanhScore(x, 2), x, {
        bullishGapSize: bullish,
        bearishGapSize: bearish,
        atr,
      });
    }

    // Multi-timeframe trend: this stream's average spread in ATRs, averaged with its other timeframes'.
    const fast = ind.get(names.fastAverage);
    const slow = ind.get(names.slowAverage);
    if (fast === null || slow === null) reading.miss('multiTimeframeTrend', 'moving averages not warm yet');
    else if (context.otherTimeframes.length === 0)
      reading.miss('multiTimeframeTrend', 'no other warm timeframe');
    else {
      const own = ratio(fast - slow, atr);
      const trends = [own, ...context.otherTimeframes.map((t) => t.trend)];
      const x = trends.reduce((s, t) => s + t, 0) / trends.length;
      const inputs = Object.fromEntries([
        ['self', own],
        ...context.otherTimeframes.map((t) => [t.timeframe, t.trend]),
      ]) as Record<string, number>;
      reading.add('multiTimeframeTrend', tanhScore(x, 1), x, inputs);
    }

    return reading.used(last.timestamp + context.intervalMs).build();
  }
}

/** Confirmed fractal pivots: a high (direction 1) or low (−1) beyond PIVOT_SPAN neighbours each side. */
function swings(candles: readonly Candle[], price: (c: Candle) => number, direction: 1 | -1): Swing[] {
  const found: Swing[] = [];
  for (let i = PIVOT_SPAN; i < candles.length - PIVOT_SPAN; i++) {
    const p = price(candles[i] as Candle) * direction;
    let pivot = true;
    for (let j = 1; j <= PIVOT_SPAN && pivot; j++) {
      // Strict on the left, non-strict on the right, so a double top counts once.
      pivot =
        p > price(candles[i - j] as Candle) * direction && p >= price(candles[i + j] as Candle) * direction;
    }
    if (pivot) found.push({ index: i, price: p * direction });
  }
  return found;
}

function nearest(
  swingPoints: readonly Swing[],
  accept: (p: number) => boolean,
  better: (a: number, b: number) => boolean,
): number | null {
  let best: number | null = null;
  for (const { price } of swingPoints)
    if (accept(price) && (best === null || better(price, best))) best = price;
  return best;
}

/** Total size of fair value gaps not yet traded back into, bullish and bearish. */
function openGaps(candles: readonly Candle[]): { bullish: number; bearish: number } {
  let bullish = 0;
  let bearish = 0;
  // Scan from the newest back, tracking the extremes traded since, so each gap costs O(1).
  let lowestSince = INFINITY;
  let highestSince = -INFINITY;
  for (let i = candles.length - 1; i >= 2; i--) {
    const current = candles[i] as Candle;
    const before = candles[i - 2] as Candle;
    if (current.low > before.high && lowestSince > before.high)
      bullish += min(current.low, lowestSince) - before.high;
    if (current.high < before.low && highestSince < before.low)
      bearish += before.low - max(current.high, highestSince);
    lowestSince = min(lowestSince, current.low);
    highestSince = max(highestSince, current.high);
  }
  return { bullish, bearish };
}
