/**
 * What the indicators' own specs share. Our streaming indicators replaced trading-signals' classes
 * (whose state is private, so an engine snapshot could not save it) with the same arithmetic;
 * trading-signals stays the independent check: fed the same candles, the library and ours give the
 * same doubles — not close ones — wherever the engine used to call the library, on real candles
 * and on degenerate markets. Where the library departs from TA-Lib (or from sense), the specs pin
 * the library's own output, the reference, and that ours gives the reference: if trading-signals
 * changes its behaviour, the first assertion of such a case fails and tells us the correction may go.
 */
import { beforeAll, expect } from '@jest/globals';
import { loadMarketCandles, loadTalib, MARKET_FILES, seriesFactory, type TalibReference } from '@app/testing';
import type { Candle } from '../../domain/market-data.types.js';
import { defineIndicator, type IndicatorSpec } from '../indicator-catalog.js';
import { IndicatorPlan } from '../indicator-set.js';

export const btc = loadMarketCandles(MARKET_FILES.btc1m);
export const ltc = loadMarketCandles(MARKET_FILES.ltc1m);

/** A volume spike, then nothing traded: running sums would keep a residue here, window sums do not. */
const spikeThenQuiet: Candle[] = [
  ...btc.slice(0, 60).map((c, i) => (i === 30 ? { ...c, volume: 123_456_789.123 } : c)),
  ...seriesFactory.flat({ count: 60, price: 50_000, volume: 0, startTime: (btc[60] as Candle).timestamp }),
];

/** The markets the parity cases run on. */
export const MARKETS = [
  ['BTC', btc],
  ['LTC', ltc],
  ['a volume spike, then a flat quiet market', spikeThenQuiet],
] as const;

/** 60 one-minute candles at price 5, volume 1. */
export const flat: readonly Candle[] = Array.from({ length: 60 }, (_, i) => ({
  timestamp: i * 60_000,
  open: 5,
  high: 5,
  low: 5,
  close: 5,
  volume: 1,
}));

export const closes = (candles: readonly Candle[]): number[] => candles.map((c) => c.close);

/** Every value, bit for bit (Object.is tells −0 from 0). */
export function expectSameDoubles(ours: readonly unknown[], library: readonly unknown[]): void {
  expect(ours).toHaveLength(library.length);
  const firstDifference = ours.findIndex((value, i) => !Object.is(value, library[i]));
  expect({ firstDifference, ours: ours[firstDifference], library: library[firstDifference] }).toEqual({
    firstDifference: -1,
    ours: undefined,
    library: undefined,
  });
}

/** Our streaming indicator's add() result for each candle. */
export function streamed(spec: IndicatorSpec, candles: readonly Candle[]): unknown[] {
  const indicator = defineIndicator(spec).createIndicator();
  return candles.map((candle) => indicator.add(candle));
}

/** Our batch kernels' series (null before warm-up), by output name. */
export function batchSeries(
  spec: IndicatorSpec,
  candles: readonly Candle[],
): Record<string, readonly (number | null)[]> {
  return new IndicatorPlan([spec]).computeSeries(candles);
}

/** A trading-signals indicator's add() result for each input. */
export function library<R>(
  indicator: { add(input: never): R | null },
  inputs: readonly unknown[],
): (R | null)[] {
  return inputs.map((input) => indicator.add(input as never));
}

/** TA-Lib for a spec: loaded before its tests (call at the top level), read inside them. */
export function talibBeforeAll(): () => TalibReference {
  let talib: TalibReference | undefined;
  beforeAll(async () => {
    talib = await loadTalib();
  });
  return () => {
    if (talib === undefined) throw new Error('TA-Lib is loaded in beforeAll, read it inside a test');
    return talib;
  };
}
