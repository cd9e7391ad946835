import { describe, expect, it } from '@jest/globals';
import { mirrorCandles } from '@app/testing';
import { INDICATORS_DEFAULTS } from '@app/config';
import { COMPONENT_SUBSCORES } from '@app/contracts';
import type { Candle } from '../domain/market-data.types.js';
import { engineIndicators } from '../indicators/engine-indicators.js';
import { IndicatorSet } from '../indicators/indicator-set.js';
import type { ComponentContext, ComponentReading, SubScore } from './component.types.js';
import { VOLUME_WINDOW, VolumeComponent } from './volume.component.js';

const indicators = engineIndicators(INDICATORS_DEFAULTS);
const names = indicators.names;
const component = new VolumeComponent();
const SUBSCORES = COMPONENT_SUBSCORES.volume;
const MINUTE = 60_000;
const T0 = 1_700_000_000_000;
/** The candle-only sub-scores; cmf and vwapPosition come from indicators. */
const CANDLE_SUBSCORES = ['obv', 'adLine', 'relativeVolume', 'volumeDelta'] as const;

/**
 * Candles one minute apart closing at `closes`, each opening at the previous close, with half a
 * point of wick each side: a one-point move has body share ±0.5 and close location ±0.5.
 */
function series(closes: readonly number[], volumes: readonly number[] | number): Candle[] {
  return closes.map((close, i) => {
    const open = closes[i - 1] ?? close;
    const volume = typeof volumes === 'number' ? volumes : volumes[i]!;
    return {
      timestamp: T0 + i * MINUTE,
      open,
      high: Math.max(open, close) + 0.5,
      low: Math.min(open, close) - 0.5,
      close,
      volume,
    };
  });
}

const range = <T>(count: number, at: (i: number) => T): T[] => Array.from({ length: count }, (_, i) => at(i));

function context(candles: readonly Candle[], values: Record<string, number> = {}): ComponentContext {
  return {
    candles,
    intervalMs: MINUTE,
    indicators: { get: (name) => values[name] ?? null },
    names,
    otherTimeframes: [],
  };
}

const evaluate = (candles: readonly Candle[], values?: Record<string, number>) =>
  component.evaluate(context(candles, values));

function sub(reading: ComponentReading, name: string): SubScore {
  const found = reading.subScores.find((s) => s.name === name);
  if (found === undefined) throw new Error(`no sub-score ${name}: ${JSON.stringify(reading.missing)}`);
  return found;
}

/** 61 candles rising one point each on rising volume (10, 11, … 70). */
const rising = series(
  range(61, (i) => 100 + i),
  range(61, (i) => 10 + i),
);

describe('VolumeComponent', () => {
  it('is named volume and scores all six sub-scores with enough candles and warm indicators', () => {
    expect(component.name).toBe('volume');
    const reading = evaluate(rising, { [names.cmf]: 0.1, [names.vwap]: 150, [names.atr]: 2 });
    expect(reading.subScores.map((s) => s.name)).toEqual([...SUBSCORES]);
    expect(reading.missing).toEqual({});
  });

  describe('rising candles on rising volume', () => {
    const up = evaluate(rising);
    const down = evaluate(mirrorCandles(rising));

    it('score obv, adLine, relativeVolume and volumeDelta above 50, and the mirrored fall below', () => {
      for (const name of CANDLE_SUBSCORES) {
        expect(sub(up, name).score).toBeGreaterThan(50);
        expect(sub(down, name).score).toBeLessThan(50);
        expect(sub(up, name).score + sub(down, name).score).toBeCloseTo(100, 12);
      }
    });

    it('obv: every close up, so the window’s signed volume is all of its volume', () => {
      expect(sub(up, 'obv').value).toBe(1);
      expect(sub(up, 'obv').score).toBeCloseTo(50 + 50 * Math.tanh(2), 12);
      expect(sub(up, 'obv').inputs.windowVolume).toBe(range(20, (i) => 51 + i).reduce((a, b) => a + b));
      expect(sub(down, 'obv').value).toBe(-1);
    });

    it('adLine: every candle closes at close location +0.5, so money flow is half the volume', () => {
      expect(sub(up, 'adLine').value).toBeCloseTo(0.5, 12);
      expect(sub(up, 'adLine').score).toBeCloseTo(50 + 50 * Math.tanh(2), 12);
      expect(sub(down, 'adLine').value).toBeCloseTo(-0.5, 12);
    });

    it('relativeVolume: last volume over the window average, signed by the body share', () => {
      // Window volumes 51..70 average 60.5; the last candle's body is half its range.
      const relative = sub(up, 'relativeVolume');
      expect(relative.inputs.averageVolume).toBeCloseTo(60.5, 12);
      expect(relative.inputs.relativeVolume).toBeCloseTo(70 / 60.5, 12);
      expect(relative.value).toBeCloseTo(Math.log(70 / 60.5) * 0.5, 12);
      expect(sub(down, 'relativeVolume').value).toBeCloseTo(-Math.log(70 / 60.5) * 0.5, 12);
    });

    it('volumeDelta: each of the last five bodies is half its range', () => {
      expect(sub(up, 'volumeDelta').value).toBeCloseTo(0.5, 12);
      expect(sub(up, 'volumeDelta').score).toBeCloseTo(50 + 50 * Math.tanh(1), 12);
      expect(sub(up, 'volumeDelta').inputs.deltaVolume).toBe(66 + 67 + 68 + 69 + 70);
    });
  });

  describe('obv', () => {
    it('nets volume by close-to-close direction over the last 20 changes only', () => {
      // 21 candles alternating up (volume 3) and down (volume 1): (10·3 − 10·1) / 40 = 0.5.
      const zigzag = (prefix: number[]) =>
        series(
          [...prefix, ...range(21, (i) => (i % 2 === 0 ? 100 : 101))],
          [...prefix.map(() => 1000), ...range(21, (i) => (i % 2 === 1 ? 3 : 1))],
        );
      const obv = sub(evaluate(zigzag([])), 'obv');
      expect(obv.value).toBeCloseTo(0.5, 12);
      expect(obv.inputs.windowVolume).toBe(40);
      expect(obv.score).toBeCloseTo(50 + 50 * Math.tanh(1), 12);
      // Older candles, here heavy falls into the window, change nothing.
      expect(sub(evaluate(zigzag([400, 300, 200])), 'obv').value).toBeCloseTo(0.5, 12);
    });

    it('counts an unchanged close as neither buying nor selling', () => {
      const flat = series(
        range(21, () => 100),
        5,
      );
      expect(sub(evaluate(flat), 'obv').value).toBe(0);
      expect(sub(evaluate(flat), 'obv').score).toBe(50);
    });

    it('reports the OBV indicator value alongside', () => {
      expect(sub(evaluate(rising, { [names.obv]: 1234 }), 'obv').inputs.obv).toBe(1234);
    });
  });

  it('needs window + 1 candles for obv, adLine and relativeVolume', () => {
    const short = evaluate(rising.slice(-VOLUME_WINDOW));
    expect(short.missing.obv).toBe('not enough candles');
    expect(short.missing.adLine).toBe('not enough candles');
    expect(short.missing.relativeVolume).toBe('no volume baseline');
    const enough = evaluate(rising.slice(-(VOLUME_WINDOW + 1)));
    for (const name of ['obv', 'adLine', 'relativeVolume']) expect(enough.missing).not.toHaveProperty(name);
    // A shorter window needs fewer candles.
    expect(new VolumeComponent(5).evaluate(context(rising.slice(-6))).missing).not.toHaveProperty('obv');
    expect(new VolumeComponent(5).evaluate(context(rising.slice(-5))).missing.obv).toBe('not enough candles');
  });

  it('adLine sums money flow over the last three windows (60 candles) only', () => {
    // A heavy candle closing on its low (close location −1) 61 candles back does not count; 60 back it does.
    const heavyDropAt = (index: number) =>
      rising.map((c, i) => (i === index ? { ...c, close: c.low, volume: 1e6 } : c));
    expect(sub(evaluate(heavyDropAt(0)), 'adLine').value).toBeCloseTo(0.5, 12);
    expect(sub(evaluate(heavyDropAt(1)), 'adLine').value).toBeLessThan(0);
  });

  describe('relativeVolume', () => {
    // 20 candles of volume 10 rising to 119, then one of volume `last` (a one-point body is half its range).
    const spike = (last: number, lastClose = 120) =>
      series([...range(20, (i) => 100 + i), lastClose], [...range(20, () => 10), last]);

    it('a high-volume up candle reads above 50, by log(volume / average) × body share', () => {
      // The window holds 19 candles of 10 and the last one of 30: average 11.
      const relative = sub(evaluate(spike(30)), 'relativeVolume');
      expect(relative.inputs.averageVolume).toBeCloseTo(11, 12);
      expect(relative.value).toBeCloseTo(Math.log(30 / 11) * 0.5, 12);
      expect(relative.score).toBeGreaterThan(50);
    });

    it('a high-volume down candle reads below 50, a doji neutral, an up candle on low volume below 50', () => {
      expect(sub(evaluate(spike(30, 118)), 'relativeVolume').score).toBeLessThan(50);
      expect(sub(evaluate(spike(30, 119)), 'relativeVolume').score).toBe(50);
      expect(sub(evaluate(spike(2)), 'relativeVolume').score).toBeLessThan(50);
    });

    it('a last candle without volume has no relative volume', () => {
      expect(evaluate(spike(0)).missing.relativeVolume).toBe('no volume baseline');
    });
  });

  describe('vwapPosition', () => {
    it('reads the close against VWAP in ATRs: above VWAP above 50, below it below 50', () => {
      // Last close 160; 3 ATRs is the mapping's scale.
      const above = sub(evaluate(rising, { [names.vwap]: 154, [names.atr]: 2 }), 'vwapPosition');
      expect(above.value).toBeCloseTo(3, 12);
      expect(above.score).toBeCloseTo(50 + 50 * Math.tanh(1), 12);
      expect(above.inputs).toEqual({ vwap: 154, close: 160, atr: 2 });
      const below = sub(evaluate(rising, { [names.vwap]: 166, [names.atr]: 2 }), 'vwapPosition');
      expect(below.score).toBeCloseTo(50 - 50 * Math.tanh(1), 12);
      expect(sub(evaluate(rising, { [names.vwap]: 160, [names.atr]: 2 }), 'vwapPosition').score).toBe(50);
    });

    it('is missing without VWAP or ATR, and neutral at ATR 0', () => {
      expect(evaluate(rising, { [names.atr]: 2 }).missing.vwapPosition).toBe('no session volume or ATR yet');
      expect(evaluate(rising, { [names.vwap]: 150 }).missing.vwapPosition).toBe(
        'no session volume or ATR yet',
      );
      expect(sub(evaluate(rising, { [names.vwap]: 150, [names.atr]: 0 }), 'vwapPosition').score).toBe(50);
    });
  });

  it('cmf: ±0.25 is one mapping scale, missing before warm-up', () => {
    expect(sub(evaluate(rising, { [names.cmf]: 0.25 }), 'cmf').score).toBeCloseTo(50 + 50 * Math.tanh(1), 12);
    expect(sub(evaluate(rising, { [names.cmf]: -0.25 }), 'cmf').score).toBeCloseTo(
      50 - 50 * Math.tanh(1),
      12,
    );
    expect(sub(evaluate(rising, { [names.cmf]: 0 }), 'cmf').score).toBe(50);
    expect(evaluate(rising).missing.cmf).toBe('indicator not warm yet');
  });

  describe('volumeDelta', () => {
    it('weights each of the last five candles’ body share by its volume', () => {
      // Up candles (body +0.5) of volume 3, down candles (−0.5) of volume 1: (3·3·0.5 − 2·1·0.5) / 11.
      const candles = series([100, 101, 100, 101, 100, 101], [1000, 3, 1, 3, 1, 3]);
      const delta = sub(evaluate(candles), 'volumeDelta');
      expect(delta.value).toBeCloseTo(3.5 / 11, 12);
      expect(delta.inputs.deltaVolume).toBe(11);
    });

    it('needs five candles', () => {
      expect(evaluate(rising.slice(-4)).missing.volumeDelta).toBe('no recent volume');
      expect(evaluate(rising.slice(-5)).missing).not.toHaveProperty('volumeDelta');
    });
  });

  it('candles without range carry no direction: volumeDelta and relativeVolume read neutral', () => {
    const rangeless = range(21, (i) => ({
      timestamp: T0 + i * MINUTE,
      open: 100 + i,
      high: 100 + i,
      low: 100 + i,
      close: 100 + i,
      volume: i === 20 ? 100 : 10,
    }));
    const reading = evaluate(rangeless);
    expect(sub(reading, 'volumeDelta').value).toBe(0);
    expect(sub(reading, 'relativeVolume').value).toBe(0);
    expect(sub(reading, 'relativeVolume').score).toBe(50);
    expect(sub(reading, 'adLine').value).toBe(0);
    // Close-to-close direction still counts for OBV.
    expect(sub(reading, 'obv').value).toBe(1);
  });

  it('a zero-volume market gives no NaN: flow reads neutral, volume ratios are missing', () => {
    const candles = series(
      range(80, (i) => 100 + i),
      0,
    );
    // Indicators computed for real from the same candles (CMF and VWAP have no volume to divide by).
    const set = new IndicatorSet(indicators.plan);
    for (const candle of candles) set.add(candle);
    const values = set.snapshot();
    const reading = component.evaluate({
      ...context(candles),
      indicators: { get: (n) => values[n] ?? null },
    });
    expect(sub(reading, 'obv').score).toBe(50);
    expect(sub(reading, 'obv').value).toBe(0);
    expect(sub(reading, 'adLine').score).toBe(50);
    expect(sub(reading, 'adLine').value).toBe(0);
    expect(reading.missing.relativeVolume).toBe('no volume baseline');
    expect(reading.missing.volumeDelta).toBe('no recent volume');
    for (const { score, value, inputs } of reading.subScores) {
      expect(Number.isNaN(score)).toBe(false);
      expect(Number.isFinite(value)).toBe(true);
      for (const input of Object.values(inputs)) expect(input === null || Number.isFinite(input)).toBe(true);
    }
    expect([...reading.subScores.map((s) => s.name), ...Object.keys(reading.missing)].sort()).toEqual(
      [...SUBSCORES].sort(),
    );
  });

  it('without candles lists every sub-score missing and has no input time', () => {
    const reading = evaluate([]);
    expect(reading.subScores).toEqual([]);
    expect(reading.missing).toEqual(Object.fromEntries(SUBSCORES.map((name) => [name, 'no candles'])));
    expect(reading.oldestInput).toBeNull();
  });

  it('is as of the last candle close (its open time plus the interval)', () => {
    expect(evaluate(rising).oldestInput).toBe(T0 + 61 * MINUTE);
    expect(evaluate(rising.slice(0, 3)).oldestInput).toBe(T0 + 3 * MINUTE);
  });
});
