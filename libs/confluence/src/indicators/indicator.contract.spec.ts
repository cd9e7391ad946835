/**
 * The one contract every indicator obeys (warm-up, null before ready, streaming == batch, safe on
 * degenerate markets). Registering a spec in INDICATORS is all a new indicator needs.
 */
import { describe, expect, it } from '@jest/globals';
import { loadMarketCandles, MARKET_FILES, seriesFactory } from '@app/testing';
import { type Candle, EXPORT_INDICATORS, IndicatorPlan, IndicatorSet, type IndicatorSpec } from '../index.js';
import { SnapshotError, toPortable } from '../snapshot/state-codec.js';

const INDICATORS: readonly IndicatorSpec[] = [
  ...EXPORT_INDICATORS,
  { kind: 'CMF', period: 20 },
  { kind: 'AD' },
  { kind: 'VWAP' },
  { kind: 'MACD', fast: 3, slow: 10, signal: 16 },
  { kind: 'STOCH', kPeriod: 5, kSmoothing: 1, dPeriod: 1 },
];
const LABELS = INDICATORS.map((spec) => [new IndicatorPlan([spec]).names[0]!, spec] as const);

/** Outputs in price units; every other output is invariant under scaling prices. */
const PRICE_UNITS = /^(SMA|EMA|MACD|BB|ATR|AO|VWAP)/;

const btc = loadMarketCandles(MARKET_FILES.btc1m, 3000);
const ltc = loadMarketCandles(MARKET_FILES.ltc1m);

function stream(spec: IndicatorSpec, candles: readonly Candle[]): Record<string, (number | null)[]> {
  const set = new IndicatorSet(new IndicatorPlan([spec]));
  const series: Record<string, (number | null)[]> = Object.fromEntries(set.plan.names.map((n) => [n, []]));
  for (const candle of candles) {
    set.add(candle);
    for (const name of set.plan.names) series[name]!.push(set.get(name));
  }
  return series;
}

function expectClose(
  actual: readonly (number | null)[],
  expected: readonly (number | null)[],
  tolerance: number,
) {
  const present = expected.filter((v): v is number => v !== null);
  const scale = Math.sqrt(present.reduce((s, v) => s + v * v, 0) / Math.max(1, present.length)) || 1;
  expect(actual.map((v) => v === null)).toEqual(expected.map((v) => v === null));
  const worst = Math.max(0, ...actual.map((v, i) => (v === null ? 0 : Math.abs(v - expected[i]!) / scale)));
  expect(worst).toBeLessThanOrEqual(tolerance);
}

/** 200 one-minute candles with every price `price`. */
const flat = (price: number, volume: number) => seriesFactory.flat({ count: 200, price, volume });

describe.each(LABELS)('indicator contract: %s', (_label, spec) => {
  const plan = new IndicatorPlan([spec]);
  const definition = plan.definitions[0]!;

  it('is null before its warm-up and has a value from then on', () => {
    const series = stream(spec, btc.slice(0, 400));
    for (const output of definition.outputs) {
      const values = series[output.name]!;
      expect(values.slice(0, output.warmUp - 1).every((v) => v === null)).toBe(true);
      expect(values.slice(output.warmUp - 1).every((v) => v !== null && Number.isFinite(v))).toBe(true);
    }
    expect(plan.warmUp).toBe(Math.max(...definition.outputs.map((o) => o.warmUp)));
  });

  it.each([
    ['BTC', btc],
    ['LTC', ltc],
  ])('streams exactly what the batch kernel computes (%s)', (_name, candles) => {
    const streamed = stream(spec, candles);
    const batch = plan.computeSeries(candles);
    for (const name of plan.names) expectClose(streamed[name]!, batch[name]!, 1e-9);
  });

  it('getResult() is null before the first candle and then the last add() result', () => {
    const indicator = definition.createIndicator();
    expect(indicator.getResult()).toBeNull();
    let last: unknown = null;
    for (const c of btc.slice(0, 100)) last = indicator.add(c);
    expect(indicator.getResult()).toEqual(last);
    expect(indicator.warmUp).toBeGreaterThanOrEqual(1);
  });

  it.each([0, 1, 7, 40, 400])(
    'saves its state after %i candles and, loaded from JSON into a new one, goes on with the same doubles',
    (split) => {
      const indicator = definition.createIndicator();
      for (const c of btc.slice(0, split)) indicator.add(c);
      const copy = definition.createIndicator();
      copy.load(JSON.parse(JSON.stringify(toPortable(indicator.save()))), 'state');
      expect(copy.getResult()).toEqual(indicator.getResult());
      const next = btc.slice(split, split + 300);
      expect(next.map((c) => copy.add(c))).toEqual(next.map((c) => indicator.add(c)));
      expect(copy.save()).toEqual(indicator.save());
    },
  );

  it('refuses a saved state that is not its own, naming where', () => {
    const indicator = definition.createIndicator();
    for (const c of btc.slice(0, 100)) indicator.add(c);
    expect(() => {
      indicator.load({}, 'state');
    }).toThrow(SnapshotError);
    expect(() => {
      indicator.load(null, 'state');
    }).toThrow(/^state: expected an object/);
  });

  it('never yields NaN, Infinity or a throw on one candle, flat, zero-volume or tiny-priced markets', () => {
    const tiny = btc.slice(0, 300).map((c) => ({
      ...c,
      open: c.open * 1e-12,
      high: c.high * 1e-12,
      low: c.low * 1e-12,
      close: c.close * 1e-12,
    }));
    for (const candles of [
      [btc[0]!],
      flat(5, 0),
      flat(1e-8, 10),
      flat(42_000, 3),
      tiny,
      btc.slice(0, 300).map((c) => ({ ...c, volume: 0 })),
    ]) {
      const both = [stream(spec, candles), plan.computeSeries(candles)];
      for (const series of both) {
        for (const values of Object.values(series))
          expect(values.every((v) => v === null || Number.isFinite(v))).toBe(true);
      }
    }
  });

  it('reads the same on prices a trillion times smaller (only price-unit outputs scale)', () => {
    const candles = btc.slice(0, 400);
    const tiny = candles.map((c) => ({
      ...c,
      open: c.open * 1e-12,
      high: c.high * 1e-12,
      low: c.low * 1e-12,
      close: c.close * 1e-12,
    }));
    const normal = stream(spec, candles);
    const scaled = stream(spec, tiny);
    for (const name of plan.names) {
      const factor = PRICE_UNITS.test(name) ? 1e12 : 1;
      expectClose(
        scaled[name]!.map((v) => (v === null ? null : v * factor)),
        normal[name]!,
        1e-9,
      );
    }
  });
});

describe('flat markets read neutral, never a false extreme', () => {
  const last = (spec: IndicatorSpec, candles: readonly Candle[]) => {
    const series = stream(spec, candles);
    return Object.fromEntries(Object.entries(series).map(([name, values]) => [name, values.at(-1)]));
  };

  it.each([
    [{ kind: 'RSI', period: 14 }, { RSI_14: 50 }],
    [
      { kind: 'STOCH', kPeriod: 14, kSmoothing: 3, dPeriod: 3 },
      { STOCH_14_3_3_k: 50, STOCH_14_3_3_d: 50 },
    ],
    [{ kind: 'WILLR', period: 14 }, { WILLR_14: -50 }],
    [{ kind: 'CCI', period: 20 }, { CCI_20: 0 }],
    [{ kind: 'MFI', period: 14 }, { MFI_14: 50 }],
    [{ kind: 'CMF', period: 20 }, { CMF_20: 0 }],
    [{ kind: 'ROC', period: 10 }, { ROC_10: 0 }],
    [{ kind: 'AO', fast: 5, slow: 34 }, { AO_5_34: 0 }],
    [
      { kind: 'ADX', period: 14 },
      { ADX_14: 0, PLUS_DI_14: 0, MINUS_DI_14: 0 },
    ],
    [
      { kind: 'MACD', fast: 12, slow: 26, signal: 9 },
      { MACD_12_26_9_macd: 0, MACD_12_26_9_signal: 0, MACD_12_26_9_hist: 0 },
    ],
  ] as [IndicatorSpec, Record<string, number>][])('%j', (spec, expected) => {
    for (const candles of [flat(5, 0), flat(5, 100), flat(1e-8, 100)]) {
      const values = last(spec, candles);
      for (const [name, value] of Object.entries(expected)) expect(values[name]).toBeCloseTo(value, 9);
    }
  });

  it('a market that goes flat after moving reads neutral once the window is flat, streaming and batch', () => {
    const moving = btc.slice(0, 300);
    const last = moving.at(-1)!;
    const candles = [
      ...moving,
      ...seriesFactory.flat({ count: 40, price: last.close, volume: 1, startTime: last.timestamp + 60_000 }),
    ];
    const plan = new IndicatorPlan([
      { kind: 'CCI', period: 20 },
      { kind: 'STOCH', kPeriod: 14, kSmoothing: 3, dPeriod: 3 },
      { kind: 'WILLR', period: 14 },
    ]);
    const batch = plan.computeSeries(candles);
    const set = new IndicatorSet(plan);
    for (const c of candles) set.add(c);
    const expected = { CCI_20: 0, STOCH_14_3_3_k: 50, STOCH_14_3_3_d: 50, WILLR_14: -50 };
    for (const [name, value] of Object.entries(expected)) {
      expect(set.get(name)).toBeCloseTo(value, 9);
      expect(batch[name]!.at(-1)).toBeCloseTo(value, 9);
    }
  });

  it('VWAP has no value until the session trades, then the traded price', () => {
    expect(last({ kind: 'VWAP' }, flat(5, 0))).toEqual({ VWAP: null });
    expect(last({ kind: 'VWAP' }, flat(5, 2))).toEqual({ VWAP: 5 });
  });
});

describe('IndicatorPlan', () => {
  it('refuses two specs that would produce the same output name', () => {
    expect(
      () =>
        new IndicatorPlan([
          { kind: 'RSI', period: 14 },
          { kind: 'RSI', period: 14 },
        ]),
    ).toThrow(/duplicate/);
  });

  it('names the export outputs exactly as the CLI documents them', () => {
    expect(new IndicatorPlan(EXPORT_INDICATORS).names).toEqual([
      'SMA_20',
      'EMA_9',
      'EMA_21',
      'EMA_50',
      'RSI_14',
      'MACD_12_26_9_macd',
      'MACD_12_26_9_signal',
      'MACD_12_26_9_hist',
      'BB_20_2_upper',
      'BB_20_2_middle',
      'BB_20_2_lower',
      'ATR_14',
      'ADX_14',
      'PLUS_DI_14',
      'MINUS_DI_14',
      'STOCH_14_3_3_k',
      'STOCH_14_3_3_d',
      'WILLR_14',
      'CCI_20',
      'ROC_10',
      'OBV',
      'MFI_14',
      'AO_5_34',
    ]);
  });

  it('reads unknown outputs as null and snapshots every output', () => {
    const set = new IndicatorSet(new IndicatorPlan([{ kind: 'SMA', period: 2 }]));
    expect(set.isReady).toBe(false);
    set.add(btc[0]!);
    set.add(btc[1]!);
    expect(set.isReady).toBe(true);
    expect(set.candleCount).toBe(2);
    expect(set.get('NOPE')).toBeNull();
    expect(set.snapshot()).toEqual({ SMA_2: (btc[0]!.close + btc[1]!.close) / 2 });
  });
});
