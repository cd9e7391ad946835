import { describe, expect, it } from '@jest/globals';
import { mirrorCandles } from '@app/testing';
import { INDICATORS_DEFAULTS } from '@app/config';
import { COMPONENT_SUBSCORES } from '@app/contracts';
import type { Candle } from '../domain/market-data.types.js';
import { engineIndicators } from '../indicators/engine-indicators.js';
import type { ComponentContext, ComponentReading, SubScore, TimeframeTrend } from './component.types.js';
import { PriceStructureComponent } from './price-structure.component.js';

const names = engineIndicators(INDICATORS_DEFAULTS).names;
const component = new PriceStructureComponent();
const SUBSCORES = COMPONENT_SUBSCORES.priceStructure;
const MINUTE = 60_000;
const T0 = 1_700_000_000_000;

/** tanhScore written out, so expectations follow from the definition rather than the helper. */
const mapped = (value: number, scale: number) => 50 + 50 * Math.tanh(value / scale);

/**
 * Candles one minute apart centred on `mids`: open = close = mid, wicks 1.5 each side. Swing points
 * are then the local extremes of `mids` (± 1.5), and one-point steps leave no fair value gap.
 */
function bars(mids: readonly number[]): Candle[] {
  return mids.map((mid, i) => ({
    timestamp: T0 + i * MINUTE,
    open: mid,
    high: mid + 1.5,
    low: mid - 1.5,
    close: mid,
    volume: 1,
  }));
}

/** Explicit candles [open, high, low, close], one minute apart. */
function ohlc(rows: readonly (readonly [number, number, number, number])[]): Candle[] {
  return rows.map(([open, high, low, close], i) => ({
    timestamp: T0 + i * MINUTE,
    open,
    high,
    low,
    close,
    volume: 1,
  }));
}

/** From 100, `cycles` times: four one-point steps up, two down. Peaks 104, 106, …; troughs 102, 104, …. */
function staircase(cycles: number): number[] {
  const mids = [100];
  for (let c = 0; c < cycles; c++) {
    for (const step of [1, 1, 1, 1, -1, -1]) mids.push(mids.at(-1)! + step);
  }
  return mids;
}

function context(
  candles: readonly Candle[],
  values: Record<string, number> = { [names.atr]: 1 },
  otherTimeframes: readonly TimeframeTrend[] = [],
): ComponentContext {
  return {
    candles,
    intervalMs: MINUTE,
    indicators: { get: (name) => values[name] ?? null },
    names,
    otherTimeframes,
  };
}

const evaluate = (candles: readonly Candle[], values?: Record<string, number>) =>
  component.evaluate(context(candles, values));

function sub(reading: ComponentReading, name: string): SubScore {
  const found = reading.subScores.find((s) => s.name === name);
  if (found === undefined) throw new Error(`no sub-score ${name}: ${JSON.stringify(reading.missing)}`);
  return found;
}

describe('PriceStructureComponent', () => {
  it('is named priceStructure and scores all six sub-scores on a long enough series', () => {
    expect(component.name).toBe('priceStructure');
    const values = { [names.atr]: 1, [names.fastAverage]: 101, [names.slowAverage]: 100 };
    const reading = component.evaluate(context(bars(staircase(9)), values, [{ timeframe: '5m', trend: 1 }]));
    expect(reading.subScores.map((s) => s.name)).toEqual([...SUBSCORES]);
    expect(reading.missing).toEqual({});
  });

  it('without a positive ATR (or without candles) lists every sub-score missing', () => {
    const everyMissing = (reason: string) => Object.fromEntries(SUBSCORES.map((name) => [name, reason]));
    for (const [reading, reason] of [
      [evaluate(bars(staircase(9)), {}), 'ATR not warm yet'],
      [evaluate(bars(staircase(9)), { [names.atr]: 0 }), 'no price movement (ATR is 0)'],
      [evaluate([]), 'ATR not warm yet'],
    ] as const) {
      expect(reading.subScores).toEqual([]);
      expect(reading.missing).toEqual(everyMissing(reason));
      expect(reading.oldestInput).toBeNull();
    }
  });

  it('is as of the last candle close (its open time plus the interval)', () => {
    expect(evaluate(bars(staircase(4))).oldestInput).toBe(T0 + 25 * MINUTE);
    expect(component.evaluate({ ...context(bars([100, 101])), intervalMs: 5 * MINUTE }).oldestInput).toBe(
      T0 + MINUTE + 5 * MINUTE,
    );
  });

  describe('marketStructure', () => {
    // Confirmed swings: highs 105.5, 107.5, 109.5, 111.5; lows 100.5, 102.5, 104.5 (the last trough is unconfirmed).
    const up = bars(staircase(4));

    it('higher highs and higher lows score above 50 by their steps in ATRs; the mirror scores below', () => {
      const bullish = sub(evaluate(up), 'marketStructure');
      expect(bullish.inputs).toEqual({
        previousHigh: 109.5,
        lastHigh: 111.5,
        previousLow: 102.5,
        lastLow: 104.5,
      });
      expect(bullish.value).toBeCloseTo((2 + 2) / 2, 12);
      expect(bullish.score).toBeCloseTo(mapped(2, 3), 12);
      const bearish = sub(evaluate(mirrorCandles(up)), 'marketStructure');
      expect(bearish.value).toBeCloseTo(-2, 12);
      expect(bearish.score).toBeLessThan(50);
      expect(bullish.score + bearish.score).toBeCloseTo(100, 12);
      // Twice the ATR halves the reading.
      expect(sub(evaluate(up, { [names.atr]: 2 }), 'marketStructure').value).toBeCloseTo(1, 12);
    });

    it('needs two confirmed swing highs and two swing lows', () => {
      // One peak (108) and one trough (102), then a rally: a single swing of each.
      const reading = evaluate(bars([100, 102, 104, 106, 108, 106, 104, 102, 104, 106, 108, 110, 112]));
      expect(reading.missing.marketStructure).toBe('fewer than two swing highs and lows');
    });

    it('a swing needs two lower (higher) candles after it, so the newest two candles cannot be swings', () => {
      // The last peak of staircase(4) is confirmed by 109 and 108; cut one of them and it is not.
      const unconfirmed = sub(evaluate(bars(staircase(4).slice(0, -1))), 'marketStructure');
      expect(unconfirmed.inputs.lastHigh).toBe(109.5);
    });

    it('a flat double top counts as one swing high (strict on the left, non-strict on the right)', () => {
      // Swing highs 105.5 and 107.5 (the first 106 of the pair); swing lows 98.5 and 98.5.
      const doubleTop = bars([104, 102, 100, 102, 104, 102, 100, 102, 106, 106, 104, 102]);
      const structure = sub(evaluate(doubleTop), 'marketStructure');
      expect(structure.inputs).toEqual({
        previousHigh: 105.5,
        lastHigh: 107.5,
        previousLow: 98.5,
        lastLow: 98.5,
      });
      expect(structure.value).toBeCloseTo(1, 12);
      expect(sub(evaluate(mirrorCandles(doubleTop)), 'marketStructure').value).toBeCloseTo(-1, 12);
    });
  });

  describe('breakOfStructure', () => {
    // staircase(3) ends on a trough at 106; its last swing high is 109.5 (peak 108), last swing low 104.5.
    const base = staircase(3);

    it('a close above the last swing high scores above 50 by the ATRs it closed beyond', () => {
      const broken = sub(evaluate(bars([...base, 107, 108, 109, 110, 111, 112])), 'breakOfStructure');
      expect(broken.inputs).toEqual({ lastSwingHigh: 109.5, lastSwingLow: 104.5, close: 112 });
      expect(broken.value).toBeCloseTo(2.5, 12);
      expect(broken.score).toBeCloseTo(mapped(2.5, 1), 12);
    });

    it('a close below the last swing low scores below 50, mirroring the break up', () => {
      const candles = bars([...base, 107, 108, 109, 110, 111, 112]);
      const up = sub(evaluate(candles), 'breakOfStructure');
      const down = sub(evaluate(mirrorCandles(candles)), 'breakOfStructure');
      expect(down.value).toBeCloseTo(-2.5, 12);
      expect(up.score + down.score).toBeCloseTo(100, 12);
    });

    it('a close inside the last swing range, or a wick through it without a close beyond, is neutral', () => {
      expect(sub(evaluate(bars([...base, 107, 108])), 'breakOfStructure').score).toBe(50);
      // Mid 109: the high 110.5 pierces 109.5 but the close does not.
      expect(sub(evaluate(bars([...base, 107, 108, 109])), 'breakOfStructure').score).toBe(50);
      // A close exactly on the swing high (or, mirrored, the swing low) is no break; half a point beyond is half an ATR.
      const onHigh = bars([...base, 107, 108, 109.5]);
      const beyond = bars([...base, 107, 108, 109, 110]);
      expect(sub(evaluate(onHigh), 'breakOfStructure').value).toBe(0);
      expect(sub(evaluate(mirrorCandles(onHigh)), 'breakOfStructure').value).toBe(0);
      expect(sub(evaluate(beyond), 'breakOfStructure').value).toBeCloseTo(0.5, 12);
      expect(sub(evaluate(mirrorCandles(beyond)), 'breakOfStructure').value).toBeCloseTo(-0.5, 12);
    });

    it('is missing before a swing high and a swing low exist', () => {
      expect(evaluate(bars([100, 101, 102, 103, 104])).missing.breakOfStructure).toBe(
        'no swing high and low yet',
      );
    });
  });

  describe('supportResistance', () => {
    // One swing high (peak 108 → 109.5) and one swing low (trough 96 → 94.5); close 99.
    const candles = bars([100, 102, 104, 106, 108, 106, 104, 102, 100, 98, 96, 98, 100, 99]);

    it('a close nearer support than resistance scores above 50; the mirror below', () => {
      const near = sub(evaluate(candles), 'supportResistance');
      expect(near.inputs).toEqual({ support: 94.5, resistance: 109.5, atr: 1 });
      // (10.5 − 4.5) / (10.5 + 4.5) ATRs.
      expect(near.value).toBeCloseTo(0.4, 12);
      expect(near.score).toBeCloseTo(mapped(0.4, 0.5), 12);
      const far = sub(evaluate(mirrorCandles(candles)), 'supportResistance');
      expect(far.value).toBeCloseTo(-0.4, 12);
      expect(near.score + far.score).toBeCloseTo(100, 12);
    });

    it('the reading is a ratio of distances, so it does not depend on the ATR', () => {
      expect(sub(evaluate(candles, { [names.atr]: 3 }), 'supportResistance').value).toBeCloseTo(0.4, 12);
    });

    it('takes the nearest swing level on each side, swing highs and lows alike', () => {
      // Close 108: nearest above is the high 109.5, nearest below the earlier high 107.5 (old resistance).
      const level = sub(evaluate(bars(staircase(4))), 'supportResistance');
      expect(level.inputs).toMatchObject({ support: 107.5, resistance: 109.5 });
      expect(level.value).toBeCloseTo((1.5 - 0.5) / 2, 12);
    });

    it('is missing when no swing level exists above price', () => {
      const reading = evaluate(bars([100, 102, 104, 106, 108, 106, 104, 102, 104, 106, 108, 110, 112]));
      expect(reading.missing.supportResistance).toBe('no swing level on one side');
      expect(
        evaluate(mirrorCandles(bars([100, 102, 104, 106, 108, 106, 104, 102, 104, 106, 108, 110, 112])))
          .missing,
      ).toHaveProperty('supportResistance', 'no swing level on one side');
    });

    it('a level exactly at the close is neither support nor resistance', () => {
      // Close on the only swing high (109.5): nothing is left above.
      const onLevel = bars([100, 102, 104, 106, 108, 106, 104, 102, 100, 98, 96, 98, 100, 109.5]);
      expect(evaluate(onLevel).missing.supportResistance).toBe('no swing level on one side');
      expect(evaluate(mirrorCandles(onLevel)).missing.supportResistance).toBe('no swing level on one side');
    });
  });

  describe('rangePosition', () => {
    // 50 candles at 100 with one spike to 110 (high 111.5) and one dip to 90 (low 88.5), closing at 108.
    const fifty = bars(
      Array.from({ length: 50 }, (_, i) => (i === 10 ? 110 : i === 20 ? 90 : i === 49 ? 108 : 100)),
    );

    it('a close near the top of the 50-candle range scores above 50; the mirror below', () => {
      const top = sub(evaluate(fifty), 'rangePosition');
      expect(top.inputs).toEqual({ highest: 111.5, lowest: 88.5, close: 108 });
      expect(top.value).toBeCloseTo((2 * (108 - 88.5)) / 23 - 1, 12);
      expect(top.score).toBeCloseTo(mapped(16 / 23, 1), 12);
      const bottom = sub(evaluate(mirrorCandles(fifty)), 'rangePosition');
      expect(bottom.value).toBeCloseTo(-16 / 23, 12);
      expect(top.score + bottom.score).toBeCloseTo(100, 12);
    });

    it('reads only the last 50 candles and needs all of them', () => {
      const older = bars([200]).map((c) => ({ ...c, timestamp: T0 - MINUTE }));
      expect(sub(evaluate([...older, ...fifty]), 'rangePosition').value).toBeCloseTo(16 / 23, 12);
      expect(evaluate(fifty.slice(1)).missing.rangePosition).toBe('not enough candles');
    });

    it('a close mid-range is neutral, and so is a range of zero height', () => {
      expect(sub(evaluate(bars(Array.from({ length: 50 }, () => 100))), 'rangePosition').score).toBe(50);
      const flat = ohlc(Array.from({ length: 50 }, () => [100, 100, 100, 100] as const));
      expect(sub(evaluate(flat), 'rangePosition').value).toBe(0);
    });
  });

  describe('fairValueGaps', () => {
    // Candle 2's low (103) stays above candle 0's high (101): a two-point bullish gap, not traded back into.
    const gap = [
      [100, 101, 99, 100.5],
      [100.5, 104, 100.4, 103.8],
      [103.8, 105, 103, 104.5],
      [104.5, 105.5, 104, 105],
    ] as const;

    it('an unfilled bullish gap scores above 50 by its size in ATRs; the mirrored bearish gap below', () => {
      const bullish = sub(evaluate(ohlc(gap)), 'fairValueGaps');
      expect(bullish.inputs).toEqual({ bullishGapSize: 2, bearishGapSize: 0, atr: 1 });
      expect(bullish.value).toBeCloseTo(2, 12);
      expect(bullish.score).toBeCloseTo(mapped(2, 2), 12);
      const bearish = sub(evaluate(mirrorCandles(ohlc(gap))), 'fairValueGaps');
      expect(bearish.inputs).toEqual({ bullishGapSize: 0, bearishGapSize: 2, atr: 1 });
      expect(bullish.score + bearish.score).toBeCloseTo(100, 12);
    });

    it('a later candle trading into the gap shrinks it, and one trading through it removes it', () => {
      const partly = sub(evaluate(ohlc([...gap, [105, 105.2, 102, 102.5]])), 'fairValueGaps');
      expect(partly.inputs.bullishGapSize).toBeCloseTo(1, 12);
      const mirrored = sub(
        evaluate(mirrorCandles(ohlc([...gap, [105, 105.2, 102, 102.5]]))),
        'fairValueGaps',
      );
      expect(mirrored.inputs.bearishGapSize).toBeCloseTo(1, 12);
      expect(
        sub(evaluate(mirrorCandles(ohlc([...gap, [105, 105.2, 100.5, 101.5]]))), 'fairValueGaps').score,
      ).toBe(50);
      for (const low of [100.5, 101]) {
        const filled = sub(evaluate(ohlc([...gap, [105, 105.2, low, 101.5]])), 'fairValueGaps');
        expect(filled.inputs).toEqual({ bullishGapSize: 0, bearishGapSize: 0, atr: 1 });
        expect(filled.score).toBe(50);
      }
    });

    it('candles that overlap leave no gap', () => {
      expect(sub(evaluate(bars(staircase(4))), 'fairValueGaps').score).toBe(50);
    });

    it('needs three candles', () => {
      expect(evaluate(ohlc(gap.slice(0, 2))).missing.fairValueGaps).toBe('not enough candles');
      expect(evaluate(ohlc(gap.slice(0, 3))).missing).not.toHaveProperty('fairValueGaps');
    });
  });

  describe('multiTimeframeTrend', () => {
    // Own trend: (fast 102 − slow 100) / ATR 2 = 1.
    const values = { [names.atr]: 2, [names.fastAverage]: 102, [names.slowAverage]: 100 };
    const candles = bars(staircase(4));
    const withTimeframes = (others: readonly TimeframeTrend[], ownValues = values) =>
      component.evaluate(context(candles, ownValues, others));

    it('is missing with no other timeframes', () => {
      expect(withTimeframes([]).missing.multiTimeframeTrend).toBe('no other warm timeframe');
    });

    it('follows the average of this stream’s trend and the other timeframes’ trends', () => {
      const bullish = sub(
        withTimeframes([
          { timeframe: '5m', trend: 1 },
          { timeframe: '1h', trend: 2 },
        ]),
        'multiTimeframeTrend',
      );
      expect(bullish.inputs).toEqual({ self: 1, '5m': 1, '1h': 2 });
      expect(bullish.value).toBeCloseTo(4 / 3, 12);
      expect(bullish.score).toBeCloseTo(mapped(4 / 3, 1), 12);
      const bearish = sub(
        withTimeframes([
          { timeframe: '5m', trend: -4 },
          { timeframe: '1h', trend: -2 },
        ]),
        'multiTimeframeTrend',
      );
      expect(bearish.value).toBeCloseTo(-5 / 3, 12);
      expect(bearish.score).toBeLessThan(50);
      const cancelling = sub(withTimeframes([{ timeframe: '1h', trend: -1 }]), 'multiTimeframeTrend');
      expect(cancelling.score).toBe(50);
    });

    it('is missing while this stream’s own averages are not warm', () => {
      const noSlow = { [names.atr]: 2, [names.fastAverage]: 102 };
      expect(withTimeframes([{ timeframe: '1h', trend: 1 }], noSlow).missing.multiTimeframeTrend).toBe(
        'moving averages not warm yet',
      );
    });
  });

  it('distances are in ATRs, so a tiny-priced market scores the same', () => {
    const scale = 1e-9;
    const candles = bars(staircase(9));
    const tiny = candles.map((c) => ({
      ...c,
      open: c.open * scale,
      high: c.high * scale,
      low: c.low * scale,
      close: c.close * scale,
    }));
    const values = { [names.atr]: 1.3, [names.fastAverage]: 106.2, [names.slowAverage]: 104.9 };
    const tinyValues = Object.fromEntries(Object.entries(values).map(([name, v]) => [name, v * scale]));
    const others = [{ timeframe: '1h', trend: 0.4 }];
    const normal = component.evaluate(context(candles, values, others));
    const small = component.evaluate(context(tiny, tinyValues, others));
    expect(small.subScores.map((s) => s.name)).toEqual([...SUBSCORES]);
    for (const name of SUBSCORES) {
      expect(sub(small, name).value).toBeCloseTo(sub(normal, name).value, 9);
      expect(sub(small, name).score).toBeCloseTo(sub(normal, name).score, 9);
    }
  });
});
