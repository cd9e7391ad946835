import { describe, expect, it } from '@jest/globals';
import type { Candle } from '@app/confluence';
import { loadMarketCandles, MARKET_FILES } from '@app/testing';
import { MA_VOTES, OSCILLATOR_VOTES, ratingLabel, technicalRating } from './technical-rating.js';

/** Closes f(0), f(1), …; each candle opens at the previous close and spans it by 0.1. */
function series(length: number, f: (i: number) => number): Candle[] {
  return Array.from({ length }, (_, i) => {
    const close = f(i);
    const open = f(Math.max(0, i - 1));
    return {
      timestamp: i * 60_000,
      open,
      high: Math.max(open, close) + 0.1,
      low: Math.min(open, close) - 0.1,
      close,
      volume: 1 + (i % 7),
    };
  });
}

const mean = (values: readonly number[]): number => values.reduce((s, v) => s + v, 0) / values.length;
const closes = (candles: readonly Candle[], end: number, period: number): number[] =>
  candles.slice(end - period + 1, end + 1).map((c) => c.close);

/** EMA seeded with the SMA of the first `period` closes (TA-Lib's convention, the engine's EMA). */
function ema(values: readonly number[], period: number): number {
  const k = 2 / (period + 1);
  let value = mean(values.slice(0, period));
  for (const x of values.slice(period)) value = x * k + value * (1 - k);
  return value;
}

/** Weighted moving average, weights 1..n, newest heaviest. */
function wma(values: readonly number[], period: number): number {
  const window = values.slice(-period);
  return window.reduce((s, v, i) => s + v * (i + 1), 0) / ((period * (period + 1)) / 2);
}

/** Hull MA (Alan Hull): WMA over √n of 2·WMA(n/2) − WMA(n). */
function hull(values: readonly number[], period: number): number {
  const root = Math.floor(Math.sqrt(period));
  const raw = Array.from({ length: root }, (_, back) => {
    const upTo = values.slice(0, values.length - (root - 1 - back));
    return 2 * wma(upTo, Math.floor(period / 2)) - wma(upTo, period);
  });
  return wma(raw, root);
}

const sign = (x: number): number => (x > 0 ? 1 : x < 0 ? -1 : 0);

describe('technicalRating', () => {
  it('votes every moving average +1 on an accelerating rise, −1 on an accelerating fall', () => {
    // Accelerating, because Hull's MA has no lag on a straight line and would sit on the close.
    const rising = technicalRating(series(300, (i) => 100 * 1.001 ** i));
    const falling = technicalRating(series(300, (i) => 300 - 100 * 1.001 ** i));
    for (const name of MA_VOTES) {
      expect([name, rising.votes[name]?.[299]]).toEqual([name, 1]);
      expect([name, falling.votes[name]?.[299]]).toEqual([name, -1]);
    }
    expect(rising.movingAverages[299]).toBe(1);
    expect(falling.movingAverages[299]).toBe(-1);
    // Before SMA 200 is warm it has no vote; the group averages the warm ones.
    expect(rising.votes.SMA_200?.[198]).toBeNaN();
    expect(rising.movingAverages[198]).toBe(1);
  });

  it('matches an independent calculation of every moving-average vote on real candles', () => {
    const candles = loadMarketCandles(MARKET_FILES.btc1m, 600);
    const rating = technicalRating(candles);
    for (const i of [250, 431, 599]) {
      const all = candles.slice(0, i + 1).map((c) => c.close);
      const close = candles[i]!.close;
      const window26 = candles.slice(i - 25, i + 1);
      const expected: Record<string, number> = {};
      for (const p of [10, 20, 30, 50, 100, 200]) {
        expected[`SMA_${p}`] = sign(close - mean(closes(candles, i, p)));
        expected[`EMA_${p}`] = sign(close - ema(all, p));
      }
      const last20 = candles.slice(i - 19, i + 1);
      expected.VWMA_20 = sign(
        close - last20.reduce((s, c) => s + c.close * c.volume, 0) / last20.reduce((s, c) => s + c.volume, 0),
      );
      expected.HMA_9 = sign(close - hull(all, 9));
      expected.ICHIMOKU_BASE_26 = sign(
        close - (Math.max(...window26.map((c) => c.high)) + Math.min(...window26.map((c) => c.low))) / 2,
      );
      for (const name of MA_VOTES)
        expect([i, name, rating.votes[name]?.[i]]).toEqual([i, name, expected[name]]);
      expect(rating.movingAverages[i]).toBeCloseTo(mean(Object.values(expected)), 12);
      const oscillators = OSCILLATOR_VOTES.map((name) => rating.votes[name]?.[i] as number);
      expect(rating.oscillators[i]).toBeCloseTo(mean(oscillators), 12);
      expect(rating.total[i]).toBeCloseTo((mean(Object.values(expected)) + mean(oscillators)) / 2, 12);
    }
  });

  it('votes the Ultimate Oscillator by its published formula: +1 above 70, −1 below 30', () => {
    const candles = loadMarketCandles(MARKET_FILES.ltc1m, 800);
    const votes = technicalRating(candles).votes.UO_7_14_28!;
    // Williams' UO: buying pressure close − min(low, previous close) over true range, 4:2:1.
    const average = (i: number, n: number): number => {
      let bp = 0;
      let tr = 0;
      for (let j = i - n + 1; j <= i; j++) {
        const c = candles[j]!;
        const previous = candles[j - 1]!.close;
        bp += c.close - Math.min(c.low, previous);
        tr += Math.max(c.high, previous) - Math.min(c.low, previous);
      }
      return bp / tr;
    };
    expect(votes[27]).toBeNaN();
    const counts = { buy: 0, sell: 0 };
    for (let i = 28; i < candles.length; i++) {
      const uo = (100 * (4 * average(i, 7) + 2 * average(i, 14) + average(i, 28))) / 7;
      const expected = uo > 70 ? 1 : uo < 30 ? -1 : 0;
      expect([i, votes[i]]).toEqual([i, expected]);
      if (expected === 1) counts.buy++;
      if (expected === -1) counts.sell++;
    }
    // Both extremes occur, so the comparison covers each branch.
    expect(counts.buy).toBeGreaterThan(0);
    expect(counts.sell).toBeGreaterThan(0);
  });

  it('labels Buy above 0.1 and Sell below −0.1, neutral at the bounds, none without a value', () => {
    expect(ratingLabel(0.1)).toBe('NEUTRAL');
    expect(ratingLabel(0.1000001)).toBe('LONG');
    expect(ratingLabel(-0.1)).toBe('NEUTRAL');
    expect(ratingLabel(-0.1000001)).toBe('SHORT');
    expect(ratingLabel(Number.NaN)).toBeNull();
  });

  it('has no value before any indicator is warm, and only −1, 0 or +1 votes after', () => {
    const rating = technicalRating(loadMarketCandles(MARKET_FILES.btc1m, 400));
    expect(rating.total[0]).toBeNaN();
    for (const votes of Object.values(rating.votes))
      for (const v of votes) if (!Number.isNaN(v)) expect([-1, 0, 1]).toContain(v);
    expect(rating.total.slice(200).every((v) => v >= -1 && v <= 1)).toBe(true);
  });
});
