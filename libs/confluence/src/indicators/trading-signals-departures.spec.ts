/**
 * Where trading-signals departs from TA-Lib (or from sense), pinned: each case shows the library's
 * own output, the reference, and that our adapter gives the reference. If trading-signals changes
 * its behaviour, the first assertion of a case fails and tells us the correction may go.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { ADX, ATR, CCI, EMA, OBV, ROC, RSI, StochasticOscillator, VWAP, WilliamsR } from 'trading-signals';
import { loadMarketCandles, loadTalib, MARKET_FILES, type TalibReference } from '@app/testing';
import { type Candle, IndicatorPlan, type IndicatorSpec } from '../index.js';

const btc = loadMarketCandles(MARKET_FILES.btc1m);
const ltc = loadMarketCandles(MARKET_FILES.ltc1m);
const closes = (candles: readonly Candle[]) => candles.map((c) => c.close);
const flat = Array.from({ length: 60 }, (_, i) => ({
  timestamp: i * 60_000,
  open: 5,
  high: 5,
  low: 5,
  close: 5,
  volume: 1,
}));

function ours(spec: IndicatorSpec, candles: readonly Candle[]): Record<string, readonly (number | null)[]> {
  return new IndicatorPlan([spec]).computeSeries(candles);
}

function library<R>(indicator: { add(input: never): R | null }, inputs: readonly unknown[]): (R | null)[] {
  return inputs.map((input) => indicator.add(input as never));
}

let talib: TalibReference;
beforeAll(async () => {
  talib = await loadTalib();
});

describe('trading-signals departures, corrected in the adapters', () => {
  it('EMA: the library seeds with the first price; TA-Lib (and we) with the SMA of the first period', () => {
    const prices = closes(btc.slice(0, 30));
    const reference = talib.series('EMA', [prices], [9]);
    const lib = library(new EMA(9), prices);
    expect(lib[8]).not.toBeCloseTo(reference[8]!, 6);
    expect(ours({ kind: 'EMA', period: 9 }, btc.slice(0, 30)).EMA_9![8]).toBeCloseTo(reference[8]!, 9);
  });

  it('ROC: the library gives a fraction; TA-Lib (and we) give percent', () => {
    const prices = closes(btc.slice(0, 40));
    const lib = library(new ROC(10), prices);
    const reference = talib.series('ROC', [prices], [10]);
    expect(lib[20]! * 100).toBeCloseTo(reference[20]!, 9);
    expect(ours({ kind: 'ROC', period: 10 }, btc.slice(0, 40)).ROC_10![20]).toBeCloseTo(reference[20]!, 9);
  });

  it('ADX: the library gives ±DI as fractions and breaks ties between up- and down-moves differently', () => {
    const h = ltc.map((c) => c.high);
    const l = ltc.map((c) => c.low);
    const c = closes(ltc);
    const adx = new ADX(14);
    const lib = ltc.map((candle) => [adx.add(candle), adx.pdi] as const);
    const reference = talib.series('ADX', [h, l, c], [14]);
    const plusDi = talib.series('PLUS_DI', [h, l, c], [14]);
    const worst = Math.max(
      ...lib.map(([v], i) => (v === null || reference[i] === null ? 0 : Math.abs(v - reference[i]!))),
    );
    expect(worst).toBeGreaterThan(1);
    expect(lib[2000]![1]!).toBeLessThan(1);
    expect(lib[2000]![1]! * 100).toBeCloseTo(plusDi[2000]!, 0);
    const mine = ours({ kind: 'ADX', period: 14 }, ltc);
    const mineWorst = Math.max(...mine.ADX_14!.map((v, i) => (v === null ? 0 : Math.abs(v - reference[i]!))));
    expect(mineWorst).toBeLessThan(1e-9);
  });

  it('ATR: the library counts the first candle high − low as a true range; TA-Lib (and we) start one later', () => {
    const lib = library(new ATR(14), btc.slice(0, 20));
    const reference = talib.series('ATR', [btc.map((c) => c.high), btc.map((c) => c.low), closes(btc)], [14]);
    expect(lib.findIndex((v) => v !== null)).toBe(13);
    expect(reference.findIndex((v) => v !== null)).toBe(14);
    expect(ours({ kind: 'ATR', period: 14 }, btc.slice(0, 20)).ATR_14![14]).toBeCloseTo(reference[14]!, 9);
  });

  it('OBV: the library starts from 0; TA-Lib (and we) from the first volume', () => {
    const lib = library(new OBV(2), btc.slice(0, 10));
    const reference = talib.series('OBV', [closes(btc), btc.map((c) => c.volume)], []);
    expect(reference[9]! - lib[9]!).toBeCloseTo(btc[0]!.volume, 9);
    expect(ours({ kind: 'OBV' }, btc.slice(0, 10)).OBV![9]).toBeCloseTo(reference[9]!, 9);
  });

  it('flat markets: the library reports RSI 100, %R −100, %K 0 and CCI NaN; we read neutral', () => {
    expect(library(new RSI(14), closes(flat)).at(-1)).toBe(100);
    expect(library(new WilliamsR(14), flat).at(-1)).toBe(-100);
    expect(
      library(new StochasticOscillator({ kPeriod: 14, kSlowingPeriod: 3, dPeriod: 3 }), flat).at(-1)?.stochK,
    ).toBe(0);
    expect(library(new CCI(20), flat).at(-1)).toBeNaN();
    expect(talib.series('RSI', [closes(flat)], [14]).at(-1)).toBe(0);
    expect(ours({ kind: 'RSI', period: 14 }, flat).RSI_14!.at(-1)).toBe(50);
    expect(ours({ kind: 'WILLR', period: 14 }, flat).WILLR_14!.at(-1)).toBe(-50);
    expect(ours({ kind: 'STOCH', kPeriod: 14, kSmoothing: 3, dPeriod: 3 }, flat).STOCH_14_3_3_k!.at(-1)).toBe(
      50,
    );
    expect(ours({ kind: 'CCI', period: 20 }, flat).CCI_20!.at(-1)).toBe(0);
  });

  it('VWAP: the library never resets; ours restarts each UTC day (session VWAP)', () => {
    const lib = library(new VWAP(), btc);
    const mine = ours({ kind: 'VWAP' }, btc).VWAP!;
    const secondDayOpen = 1440;
    expect(mine[secondDayOpen]).toBeCloseTo((btc[1440]!.high + btc[1440]!.low + btc[1440]!.close) / 3, 6);
    expect(Math.abs(lib[secondDayOpen]! - mine[secondDayOpen]!)).toBeGreaterThan(100);
  });
});
