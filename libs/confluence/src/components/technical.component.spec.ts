import { describe, expect, it } from '@jest/globals';
import { INDICATORS_DEFAULTS } from '@app/config';
import { COMPONENT_SUBSCORES } from '@app/contracts';
// By path: the @app/testing barrel also loads mongoose and the fake exchange (about 1 s a suite).
import { seriesFactory } from '../../../testing/src/factories/index.js';
import type { Candle } from '../domain/market-data.types.js';
import { engineIndicators, type EngineIndicatorNames } from '../indicators/engine-indicators.js';
import type { ComponentContext, ComponentReading, SubScore } from './component.types.js';
import { TechnicalComponent } from './technical.component.js';

const names = engineIndicators(INDICATORS_DEFAULTS).names;
const component = new TechnicalComponent();
const SUBSCORES = COMPONENT_SUBSCORES.technical;
const MINUTE = 60_000;
const T0 = 1_700_000_000_000;
/** tanhScore at one scale: the score every bullish row below is built to reach. */
const STRONG_BULL = 50 + 50 * Math.tanh(1);
const STRONG_BEAR = 50 - 50 * Math.tanh(1);

type Role = keyof EngineIndicatorNames;
type Values = Partial<Record<Role, number | null>>;

/** Neutral readings on every indicator: close on both averages, DI balanced, oscillators at midline. */
const NEUTRAL: Readonly<Record<Role, number>> = {
  rsi: 50,
  macd: 0,
  macdSignal: 0,
  macdHistogram: 0,
  bollingerUpper: 102,
  bollingerMiddle: 100,
  bollingerLower: 98,
  atr: 2,
  adx: 25,
  plusDi: 20,
  minusDi: 20,
  stochasticK: 50,
  stochasticD: 50,
  williamsR: -50,
  cci: 0,
  roc: 0,
  mfi: 50,
  awesomeOscillator: 0,
  cmf: 0,
  obv: 0,
  adLine: 0,
  vwap: 100,
  fastAverage: 100,
  slowAverage: 100,
};

/**
 * One-minute candles from T0 at these closes (dojis: the component reads only the close and the
 * time, and a wick would take a tiny-priced candle below zero).
 */
const minuteCandles = (...closes: number[]) =>
  seriesFactory.fromCloses(closes, { startTime: T0, opens: 'close', volume: 1 });

/** A context whose last candle closes at `close`, with the neutral indicators overridden by `values`. */
function context(
  values: Values = {},
  close = 100,
  candles: readonly Candle[] = minuteCandles(close),
): ComponentContext {
  const byName = new Map<string, number | null>(
    Object.entries({ ...NEUTRAL, ...values }).map(([role, value]) => [names[role as Role], value]),
  );
  return {
    candles,
    intervalMs: MINUTE,
    indicators: { get: (name) => byName.get(name) ?? null },
    names,
    otherTimeframes: [],
  };
}

const evaluate = (values?: Values, close?: number) => component.evaluate(context(values, close));

function sub(reading: ComponentReading, name: string): SubScore {
  const found = reading.subScores.find((s) => s.name === name);
  if (found === undefined) throw new Error(`no sub-score ${name}: ${JSON.stringify(reading.missing)}`);
  return found;
}

/**
 * Per sub-score: indicator values (and close) that put its reading at exactly one mapping scale
 * (`value`, default 1), and the mirrored ones at minus that, each moving no other sub-score off
 * neutral (ATR 2 throughout).
 */
const ROWS: readonly {
  readonly name: (typeof SUBSCORES)[number];
  readonly bullish: Values;
  readonly bearish: Values;
  readonly close?: readonly [bullish: number, bearish: number];
  readonly value?: number;
}[] = [
  { name: 'rsi', bullish: { rsi: 70 }, bearish: { rsi: 30 } },
  // Histogram 0.5 is a quarter ATR, the mapping's scale.
  { name: 'macd', bullish: { macdHistogram: 0.5 }, bearish: { macdHistogram: -0.5 }, value: 0.25 },
  { name: 'awesomeOscillator', bullish: { awesomeOscillator: 2 }, bearish: { awesomeOscillator: -2 } },
  { name: 'williamsR', bullish: { williamsR: -25 }, bearish: { williamsR: -75 } },
  { name: 'cci', bullish: { cci: 100 }, bearish: { cci: -100 } },
  // DI imbalance (30 − 10) / 40 = 0.5, times ADX 50 / 25.
  {
    name: 'adx',
    bullish: { adx: 50, plusDi: 30, minusDi: 10 },
    bearish: { adx: 50, plusDi: 10, minusDi: 30 },
  },
  // Close 4 above the fast average is 2 ATRs, the mapping's scale.
  { name: 'atr', bullish: {}, bearish: {}, close: [104, 96], value: 2 },
  // (62.5 − 50 + 62.5 − 50) / 25 = 1.
  { name: 'stochastic', bullish: { stochasticK: 62.5 }, bearish: { stochasticK: 37.5 } },
  { name: 'movingAverages', bullish: { slowAverage: 98 }, bearish: { slowAverage: 102 } },
];

describe('TechnicalComponent', () => {
  it('is named technical and scores all nine sub-scores when every indicator is warm', () => {
    expect(component.name).toBe('technical');
    const reading = evaluate();
    expect(reading.component).toBe('technical');
    expect(reading.subScores.map((s) => s.name)).toEqual([...SUBSCORES]);
    expect(reading.missing).toEqual({});
  });

  it('reads exactly 50 on every sub-score at neutral indicator values', () => {
    for (const { name, score, value } of evaluate().subScores) {
      expect([name, score, value]).toEqual([name, 50, 0]);
    }
  });

  describe.each(ROWS)('$name', ({ name, bullish, bearish, close, value = 1 }) => {
    it('reads bullish indicator values above 50 and the mirrored bearish ones below, symmetrically', () => {
      const up = evaluate(bullish, close?.[0]);
      const down = evaluate(bearish, close?.[1]);
      expect(sub(up, name).value).toBeCloseTo(value, 12);
      expect(sub(up, name).score).toBeCloseTo(STRONG_BULL, 12);
      expect(sub(down, name).value).toBeCloseTo(-value, 12);
      expect(sub(down, name).score).toBeCloseTo(STRONG_BEAR, 12);
    });

    it('moves no other sub-score off neutral', () => {
      for (const other of evaluate(bullish, close?.[0]).subScores) {
        if (other.name !== name) expect([other.name, other.score]).toEqual([other.name, 50]);
      }
    });
  });

  it('all bullish readings together score every sub-score above 50, all bearish below', () => {
    const up = evaluate(Object.assign({}, ...ROWS.map((r) => r.bullish)) as Values, 104);
    const down = evaluate(Object.assign({}, ...ROWS.map((r) => r.bearish)) as Values, 96);
    for (const name of SUBSCORES) {
      expect(sub(up, name).score).toBeGreaterThan(50);
      expect(sub(down, name).score).toBeLessThan(50);
    }
  });

  it.each<[Role, readonly string[]]>([
    ['rsi', ['rsi']],
    ['macdHistogram', ['macd']],
    ['atr', ['macd', 'awesomeOscillator', 'atr', 'movingAverages']],
    ['awesomeOscillator', ['awesomeOscillator']],
    ['williamsR', ['williamsR']],
    ['cci', ['cci']],
    ['adx', ['adx']],
    ['plusDi', ['adx']],
    ['minusDi', ['adx']],
    ['fastAverage', ['atr', 'movingAverages']],
    ['slowAverage', ['movingAverages']],
    ['stochasticK', ['stochastic']],
    ['stochasticD', ['stochastic']],
  ])('with %s not warm, lists %j missing with a reason and scores the rest', (role, missing) => {
    const reading = evaluate({ [role]: null });
    expect(reading.missing).toEqual(
      Object.fromEntries(missing.map((name) => [name, 'indicator not warm yet'])),
    );
    expect(reading.subScores.map((s) => s.name)).toEqual(SUBSCORES.filter((name) => !missing.includes(name)));
  });

  it('before any indicator is warm, lists every sub-score missing but still counts the candle', () => {
    const reading = component.evaluate({ ...context(), indicators: { get: () => null } });
    expect(reading.subScores).toEqual([]);
    expect(Object.keys(reading.missing)).toEqual([...SUBSCORES]);
    expect(reading.oldestInput).toBe(T0 + MINUTE);
  });

  it('without candles lists every sub-score missing and has no input time', () => {
    const reading = component.evaluate(context({}, 100, []));
    expect(reading.subScores).toEqual([]);
    expect(reading.missing).toEqual(Object.fromEntries(SUBSCORES.map((name) => [name, 'no candles'])));
    expect(reading.oldestInput).toBeNull();
  });

  it('is as of the last candle close (its open time plus the interval)', () => {
    const candles = minuteCandles(99, 100, 101);
    expect(component.evaluate(context({}, 101, candles)).oldestInput).toBe(T0 + 3 * MINUTE);
    expect(component.evaluate({ ...context({}, 101, candles), intervalMs: 5 * MINUTE }).oldestInput).toBe(
      T0 + 2 * MINUTE + 5 * MINUTE,
    );
  });

  it('readings in price units are divided by ATR, so a tiny-priced market scores the same', () => {
    // Uneven bullish-to-bearish mix, then every price-unit input (close, MACD, AO, ATR, averages) × 1e-9.
    const values: Values = {
      rsi: 61.3,
      macd: 0.83,
      macdSignal: 0.52,
      macdHistogram: 0.31,
      atr: 1.7,
      awesomeOscillator: -0.9,
      williamsR: -31,
      cci: -42,
      adx: 33,
      plusDi: 18,
      minusDi: 27,
      stochasticK: 71,
      stochasticD: 64,
      fastAverage: 101.2,
      slowAverage: 99.4,
    };
    const PRICE_UNITS: readonly Role[] = ['macd', 'macdSignal', 'macdHistogram', 'atr', 'awesomeOscillator'];
    const scaled: Values = { ...values };
    for (const role of [...PRICE_UNITS, 'fastAverage', 'slowAverage'] as const)
      scaled[role] = values[role]! * 1e-9;
    const normal = evaluate(values, 100.4);
    const tiny = evaluate(scaled, 100.4e-9);
    expect(tiny.subScores.map((s) => s.name)).toEqual([...SUBSCORES]);
    for (const name of SUBSCORES) {
      expect(sub(tiny, name).value).toBeCloseTo(sub(normal, name).value, 9);
      expect(sub(tiny, name).score).toBeCloseTo(sub(normal, name).score, 9);
    }
    // And the mix is not accidentally neutral: each sub-score here is off 50.
    for (const { score } of normal.subScores) expect(Math.abs(score - 50)).toBeGreaterThan(1);
  });

  it('a flat market (ATR 0) reads the ATR-normalised sub-scores neutral instead of dividing by zero', () => {
    const reading = evaluate({ atr: 0, macdHistogram: 0.5, awesomeOscillator: 1, slowAverage: 98 }, 104);
    for (const name of ['macd', 'awesomeOscillator', 'atr', 'movingAverages']) {
      expect(sub(reading, name).score).toBe(50);
      expect(sub(reading, name).value).toBe(0);
    }
  });

  it('extreme readings saturate strictly inside (0, 100)', () => {
    const extreme: Values = {
      rsi: 100,
      macdHistogram: 1e6,
      awesomeOscillator: 1e6,
      williamsR: 0,
      cci: 1e6,
      adx: 100,
      plusDi: 100,
      minusDi: 0,
      stochasticK: 100,
      stochasticD: 0,
      slowAverage: -1e6,
    };
    for (const { score } of evaluate(extreme, 1e6).subScores) {
      expect(score).toBeGreaterThan(95);
      expect(score).toBeLessThan(100);
    }
  });

  it('reports the raw inputs behind each sub-score', () => {
    const reading = evaluate({ macd: 1.5, macdSignal: 1, macdHistogram: 0.5 }, 104);
    expect(sub(reading, 'macd').inputs).toEqual({ macd: 1.5, signal: 1, histogram: 0.5, atr: 2 });
    expect(sub(reading, 'atr').inputs).toEqual({ atr: 2, close: 104, fastAverage: 100 });
    expect(sub(reading, 'adx').inputs).toEqual({ adx: 25, plusDi: 20, minusDi: 20 });
    expect(sub(reading, 'stochastic').inputs).toEqual({ k: 50, d: 50 });
  });
});
