/**
 * Reference values: every indicator against TA-Lib itself (the C library, compiled to WebAssembly;
 * see libs/testing/src/talib-reference.ts), on real Binance candles, from TA-Lib's first value on.
 * Indicators TA-Lib lacks are checked against TA-Lib building blocks or a plain loop of their
 * published definition (named at each case).
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import {
  type CsvCandle,
  loadMarketCandles,
  loadTalib,
  MARKET_FILES,
  type TalibReference,
} from '@app/testing';
import { IndicatorPlan, type IndicatorSpec } from '../index.js';

type Series = readonly (number | null)[];

/** Largest error relative to max(|reference|, 1e-3 · RMS of the reference series). */
function worstRelativeError(
  ours: Series,
  reference: Series,
): { error: number; at: number; compared: number } {
  const present = reference.filter((v): v is number => v !== null);
  const rms = Math.sqrt(present.reduce((s, v) => s + v * v, 0) / Math.max(1, present.length));
  let error = 0;
  let at = -1;
  let compared = 0;
  reference.forEach((ref, i) => {
    if (ref === null) return;
    const value = ours[i];
    if (value === null || value === undefined) {
      error = Infinity;
      at = i;
      return;
    }
    compared++;
    const e = Math.abs(value - ref) / Math.max(Math.abs(ref), 1e-3 * rms, Number.MIN_VALUE);
    if (e > error) {
      error = e;
      at = i;
    }
  });
  return { error, at, compared };
}

function streamed(spec: IndicatorSpec, candles: readonly CsvCandle[]): Record<string, (number | null)[]> {
  const plan = new IndicatorPlan([spec]);
  const streams = plan.definitions[0]!.createStream();
  const values = new Float64Array(plan.names.length);
  const series: Record<string, (number | null)[]> = Object.fromEntries(plan.names.map((n) => [n, []]));
  for (const candle of candles) {
    streams.add(candle, values, 0);
    plan.names.forEach((name, i) => series[name]!.push(Number.isFinite(values[i]) ? values[i]! : null));
  }
  return series;
}

const FILES = [MARKET_FILES.btc1m, MARKET_FILES.ltc1m];
let talib: TalibReference;
const data: Record<string, { candles: CsvCandle[]; h: number[]; l: number[]; c: number[]; v: number[] }> = {};

beforeAll(async () => {
  talib = await loadTalib();
  for (const file of FILES) {
    const candles = loadMarketCandles(file);
    data[file] = {
      candles,
      h: candles.map((x) => x.high),
      l: candles.map((x) => x.low),
      c: candles.map((x) => x.close),
      v: candles.map((x) => x.volume),
    };
  }
});

interface ReferenceCase {
  spec: IndicatorSpec;
  /** TA-Lib outputs, in the plan's output order. */
  reference: (d: (typeof data)[string]) => Series[];
}

const CASES: Record<string, ReferenceCase> = {
  SMA_20: { spec: { kind: 'SMA', period: 20 }, reference: (d) => talib.call('SMA', [d.c], [20], 1) },
  EMA_9: { spec: { kind: 'EMA', period: 9 }, reference: (d) => talib.call('EMA', [d.c], [9], 1) },
  EMA_50: { spec: { kind: 'EMA', period: 50 }, reference: (d) => talib.call('EMA', [d.c], [50], 1) },
  RSI_14: { spec: { kind: 'RSI', period: 14 }, reference: (d) => talib.call('RSI', [d.c], [14], 1) },
  MACD_12_26_9: {
    spec: { kind: 'MACD', fast: 12, slow: 26, signal: 9 },
    reference: (d) => talib.call('MACD', [d.c], [12, 26, 9], 3),
  },
  // BBANDS with MAType 0 (SMA) and population σ.
  BB_20_2: {
    spec: { kind: 'BB', period: 20, deviations: 2 },
    reference: (d) => talib.call('BBANDS', [d.c], [20, 2, 2, 0], 3),
  },
  ATR_14: {
    spec: { kind: 'ATR', period: 14 },
    reference: (d) => talib.call('ATR', [d.h, d.l, d.c], [14], 1),
  },
  ADX_14: {
    spec: { kind: 'ADX', period: 14 },
    reference: (d) => [
      ...talib.call('ADX', [d.h, d.l, d.c], [14], 1),
      ...talib.call('PLUS_DI', [d.h, d.l, d.c], [14], 1),
      ...talib.call('MINUS_DI', [d.h, d.l, d.c], [14], 1),
    ],
  },
  // STOCH 14/3/3 with SMA smoothing of %K and %D (MAType 0).
  STOCH_14_3_3: {
    spec: { kind: 'STOCH', kPeriod: 14, kSmoothing: 3, dPeriod: 3 },
    reference: (d) => talib.call('STOCH', [d.h, d.l, d.c], [14, 3, 0, 3, 0], 2),
  },
  WILLR_14: {
    spec: { kind: 'WILLR', period: 14 },
    reference: (d) => talib.call('WILLR', [d.h, d.l, d.c], [14], 1),
  },
  CCI_20: {
    spec: { kind: 'CCI', period: 20 },
    reference: (d) => talib.call('CCI', [d.h, d.l, d.c], [20], 1),
  },
  ROC_10: { spec: { kind: 'ROC', period: 10 }, reference: (d) => talib.call('ROC', [d.c], [10], 1) },
  OBV: { spec: { kind: 'OBV' }, reference: (d) => talib.call('OBV', [d.c, d.v], [], 1) },
  MFI_14: {
    spec: { kind: 'MFI', period: 14 },
    reference: (d) => talib.call('MFI', [d.h, d.l, d.c, d.v], [14], 1),
  },
  AD: { spec: { kind: 'AD' }, reference: (d) => talib.call('AD', [d.h, d.l, d.c, d.v], [], 1) },
  // Awesome Oscillator (Bill Williams): SMA5 − SMA34 of TA-Lib's MEDPRICE.
  AO_5_34: {
    spec: { kind: 'AO', fast: 5, slow: 34 },
    reference: (d) => {
      const median = talib.series('MEDPRICE', [d.h, d.l], []).map((m) => m!);
      const fast = talib.series('SMA', [median], [5]);
      const slow = talib.series('SMA', [median], [34]);
      return [slow.map((s, i) => (s === null ? null : fast[i]! - s))];
    },
  },
  // Chaikin Money Flow (Chaikin): Σ20 money-flow volume / Σ20 volume, the money-flow volume being
  // the step of TA-Lib's AD line.
  CMF_20: {
    spec: { kind: 'CMF', period: 20 },
    reference: (d) => {
      const ad = talib.series('AD', [d.h, d.l, d.c, d.v], []).map((x) => x!);
      const flow = ad.map((x, i) => (i === 0 ? x : x - ad[i - 1]!));
      const flowSum = talib.series('SUM', [flow], [20]);
      const volumeSum = talib.series('SUM', [d.v], [20]);
      return [flowSum.map((f, i) => (f === null ? null : f / volumeSum[i]!))];
    },
  },
  // Session VWAP: Σ typical·volume / Σ volume since 00:00 UTC (the definition, as a plain loop).
  VWAP: {
    spec: { kind: 'VWAP' },
    reference: (d) => {
      let day = -1;
      let pv = 0;
      let vol = 0;
      return [
        d.candles.map((x) => {
          const today = Math.floor(x.timestamp / 86_400_000);
          if (today !== day) [day, pv, vol] = [today, 0, 0];
          pv += ((x.high + x.low + x.close) / 3) * x.volume;
          vol += x.volume;
          return vol > 0 ? pv / vol : null;
        }),
      ];
    },
  },
};

describe.each(FILES)('indicators against TA-Lib on %s', (file) => {
  it.each(Object.keys(CASES))('%s matches the reference within 1e-6 from its first value', (name) => {
    const { spec, reference } = CASES[name]!;
    const d = data[file]!;
    const ours = streamed(spec, d.candles);
    const refs = reference(d);
    Object.keys(ours).forEach((output, i) => {
      const ref = refs[i]!;
      const result = worstRelativeError(ours[output]!, ref);
      expect({ output, ...result, ok: result.error <= 1e-6 }).toMatchObject({ output, ok: true });
      expect(result.compared).toBeGreaterThan(d.candles.length * 0.9);
      // Null exactly where the reference has no value yet: same warm-up.
      expect(ours[output]!.findIndex((v) => v !== null)).toBe(ref.findIndex((v) => v !== null));
    });
  });
});
