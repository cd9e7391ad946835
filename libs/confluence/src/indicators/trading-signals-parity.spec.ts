/**
 * Our streaming indicators replaced trading-signals' classes (whose state is private, so an engine
 * snapshot could not save it) with the same arithmetic. trading-signals stays the independent
 * check: fed the same candles, the library and ours give the same doubles — not close ones —
 * wherever the engine used to call the library, on real candles and on degenerate markets.
 */
import { describe, expect, it } from '@jest/globals';
import { AD, AO, BollingerBands, CMF, EMA, MFI, OBV, ROC, SMA, WSMA } from 'trading-signals';
import { loadMarketCandles, MARKET_FILES, seriesFactory } from '@app/testing';
import type { Candle } from '../domain/market-data.types.js';
import { defineIndicator, type IndicatorSpec } from './indicator-catalog.js';
import { SeededEma, SimpleAverage, WilderAverage } from './moving-averages.js';
import { trueRange } from './volatility.indicators.js';

const btc = loadMarketCandles(MARKET_FILES.btc1m);
const ltc = loadMarketCandles(MARKET_FILES.ltc1m);
/** A volume spike, then nothing traded: running sums would keep a residue here, window sums do not. */
const spikeThenQuiet: Candle[] = [
  ...btc.slice(0, 60).map((c, i) => (i === 30 ? { ...c, volume: 123_456_789.123 } : c)),
  ...seriesFactory.flat({ count: 60, price: 50_000, volume: 0, startTime: btc[60]!.timestamp }),
];
const MARKETS = [
  ['BTC', btc],
  ['LTC', ltc],
  ['a volume spike, then a flat quiet market', spikeThenQuiet],
] as const;

/** Every value, bit for bit (Object.is tells −0 from 0). */
function expectSameDoubles(ours: readonly unknown[], library: readonly unknown[]): void {
  expect(ours).toHaveLength(library.length);
  const firstDifference = ours.findIndex((value, i) => !Object.is(value, library[i]));
  expect({ firstDifference, ours: ours[firstDifference], library: library[firstDifference] }).toEqual({
    firstDifference: -1,
    ours: undefined,
    library: undefined,
  });
}

const ours = (spec: IndicatorSpec, candles: readonly Candle[]): unknown[] => {
  const indicator = defineIndicator(spec).createIndicator();
  return candles.map((candle) => indicator.add(candle));
};

describe.each(MARKETS)('streaming indicators compute trading-signals’ doubles (%s)', (_name, candles) => {
  const closes = candles.map((c) => c.close);

  it('SimpleAverage is SMA', () => {
    const sma = new SMA(20);
    const mine = new SimpleAverage(20);
    expectSameDoubles(
      closes.map((x) => mine.add(x)),
      closes.map((x) => sma.add(x)),
    );
  });

  it('SeededEma is EMA fed the SMA of the first period as its first input', () => {
    const ema = new EMA(9);
    const seed = closes.slice(0, 9).reduce((s, x) => s + x, 0) / 9;
    const library = [
      ...closes.slice(0, 8).map(() => null),
      ema.add(seed),
      ...closes.slice(9).map((x) => ema.add(x)),
    ];
    const mine = new SeededEma(9);
    expectSameDoubles(
      closes.map((x) => mine.add(x)),
      library,
    );
  });

  it('WilderAverage is WSMA', () => {
    const ranges = candles.slice(1).map((c, i) => trueRange(c.high, c.low, candles[i]!.close));
    const wsma = new WSMA(14);
    const mine = new WilderAverage(14);
    expectSameDoubles(
      ranges.map((x) => mine.add(x)),
      ranges.map((x) => wsma.add(x)),
    );
  });

  it('Bollinger is BollingerBands', () => {
    const bands = new BollingerBands(20, 2);
    expectSameDoubles(
      ours({ kind: 'BB', period: 20, deviations: 2 }, candles).flatMap((r) => {
        const bands = r as { upper: number; middle: number; lower: number } | null;
        return bands === null ? [] : [bands.upper, bands.middle, bands.lower];
      }),
      closes.flatMap((x) => {
        const r = bands.add(x);
        return r === null ? [] : [r.upper, r.middle, r.lower];
      }),
    );
  });

  it('Roc is ROC in percent', () => {
    const roc = new ROC(12);
    expectSameDoubles(
      ours({ kind: 'ROC', period: 12 }, candles),
      closes.map((x) => {
        const fraction = roc.add(x);
        return fraction === null ? null : fraction * 100;
      }),
    );
  });

  it('Obv is OBV plus the first volume (TA-Lib’s origin)', () => {
    const obv = new OBV(2);
    const first = candles[0]!.volume;
    expectSameDoubles(
      ours({ kind: 'OBV' }, candles),
      candles.map((c) => first + (obv.add(c) ?? 0)),
    );
  });

  it('Mfi is MFI', () => {
    const mfi = new MFI(14);
    expectSameDoubles(
      ours({ kind: 'MFI', period: 14 }, candles),
      candles.map((c) => mfi.add(c)),
    );
  });

  it('Cmf is CMF', () => {
    const cmf = new CMF(20);
    expectSameDoubles(
      ours({ kind: 'CMF', period: 20 }, candles),
      candles.map((c) => cmf.add(c)),
    );
  });

  it('AdLine is AD', () => {
    const ad = new AD();
    expectSameDoubles(
      ours({ kind: 'AD' }, candles),
      candles.map((c) => ad.add(c)),
    );
  });

  it('AwesomeOscillator is AO', () => {
    const ao = new AO(5, 34);
    expectSameDoubles(
      ours({ kind: 'AO', fast: 5, slow: 34 }, candles),
      candles.map((c) => ao.add(c)),
    );
  });
});
