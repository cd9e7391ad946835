import { AO, ROC, SMA, WSMA } from 'trading-signals';
import type { Candle } from '../domain/market-data.types.js';
import { StreamingBase } from './indicator.types.js';
import { SeededEma } from './moving-averages.js';
import { RollingWindow } from './rolling-window.js';

/**
 * Wilder's RSI (TA-Lib ta_RSI.c): Wilder-smoothed gains and losses, seeded with their SMA over the
 * first `period` changes; RSI = 100 · gain / (gain + loss). A market that has not moved has no
 * strength either way and reads 50 — TA-Lib returns 0 and trading-signals 100, both false extremes.
 */
export class Rsi extends StreamingBase<number> {
  readonly warmUp: number;
  readonly #gain: WSMA;
  readonly #loss: WSMA;
  #previous = Number.NaN;

  constructor(period: number) {
    super();
    this.warmUp = period + 1;
    this.#gain = new WSMA(period);
    this.#loss = new WSMA(period);
  }

  add(candle: Candle): number | null {
    const change = candle.close - this.#previous;
    this.#previous = candle.close;
    if (Number.isNaN(change)) return null;
    const gain = this.#gain.add(change > 0 ? change : 0);
    const loss = this.#loss.add(change < 0 ? -change : 0);
    if (gain === null || loss === null) return null;
    const total = gain + loss;
    this.result = total > 0 ? (100 * gain) / total : 50;
    return this.result;
  }
}

export interface MacdResult {
  readonly macd: number;
  readonly signal: number;
  readonly histogram: number;
}

/**
 * MACD (Appel; TA-Lib ta_MACD.c). TA-Lib starts the fast EMA `slow − fast` candles late so both
 * averages produce their first value on the same candle, and only reports once the signal EMA
 * is seeded; we do the same, so values match from the first one.
 */
export class Macd extends StreamingBase<MacdResult> {
  readonly warmUp: number;
  readonly #fast: SeededEma;
  readonly #slow: SeededEma;
  readonly #signal: SeededEma;
  readonly #fastStart: number;
  #index = 0;

  constructor(fast: number, slow: number, signal: number) {
    super();
    this.warmUp = slow + signal - 1;
    this.#fast = new SeededEma(fast);
    this.#slow = new SeededEma(slow);
    this.#signal = new SeededEma(signal);
    this.#fastStart = slow - fast;
  }

  add(candle: Candle): MacdResult | null {
    const index = this.#index++;
    const slow = this.#slow.add(candle.close);
    const fast = index >= this.#fastStart ? this.#fast.add(candle.close) : null;
    if (slow === null || fast === null) return null;
    const macd = fast - slow;
    const signal = this.#signal.add(macd);
    if (signal === null) return null;
    this.result = { macd, signal, histogram: macd - signal };
    return this.result;
  }
}

/** Rate of change in percent (TA-Lib ROC): trading-signals returns a fraction, so we scale it. */
export class Roc extends StreamingBase<number> {
  readonly warmUp: number;
  readonly #roc: ROC;

  constructor(period: number) {
    super();
    this.warmUp = period + 1;
    this.#roc = new ROC(period);
  }

  add(candle: Candle): number | null {
    const fraction = this.#roc.add(candle.close);
    this.result = fraction === null ? null : fraction * 100;
    return this.result;
  }
}

/** Where `close` sits in the window's range, 0..1; the middle (0.5) when the window is flat. */
function rangePosition(close: number, highest: number, lowest: number): number {
  const range = highest - lowest;
  return range > 0 ? (close - lowest) / range : 0.5;
}

export interface StochasticResult {
  readonly k: number;
  readonly d: number;
}

/**
 * Slow stochastic (Lane; TA-Lib STOCH with SMA smoothing): fast %K over `kPeriod`, smoothed by an
 * SMA of `kSmoothing` into slow %K, whose SMA of `dPeriod` is %D. A flat window reads 50: TA-Lib
 * and trading-signals report 0 there, a false "oversold".
 */
export class Stochastic extends StreamingBase<StochasticResult> {
  readonly warmUp: number;
  readonly #highs: RollingWindow;
  readonly #lows: RollingWindow;
  readonly #slowK: SMA;
  readonly #d: SMA;

  constructor(kPeriod: number, kSmoothing: number, dPeriod: number) {
    super();
    this.warmUp = kPeriod + kSmoothing + dPeriod - 2;
    this.#highs = new RollingWindow(kPeriod);
    this.#lows = new RollingWindow(kPeriod);
    this.#slowK = new SMA(kSmoothing);
    this.#d = new SMA(dPeriod);
  }

  add(candle: Candle): StochasticResult | null {
    this.#highs.push(candle.high);
    this.#lows.push(candle.low);
    if (!this.#highs.isFull) return null;
    const fastK = 100 * rangePosition(candle.close, this.#highs.max(), this.#lows.min());
    const k = this.#slowK.add(fastK);
    if (k === null) return null;
    const d = this.#d.add(k);
    if (d === null) return null;
    this.result = { k, d };
    return this.result;
  }
}

/** Williams %R (TA-Lib WILLR), −100..0; a flat window reads −50 rather than an extreme. */
export class WilliamsR extends StreamingBase<number> {
  readonly warmUp: number;
  readonly #highs: RollingWindow;
  readonly #lows: RollingWindow;

  constructor(period: number) {
    super();
    this.warmUp = period;
    this.#highs = new RollingWindow(period);
    this.#lows = new RollingWindow(period);
  }

  add(candle: Candle): number | null {
    this.#highs.push(candle.high);
    this.#lows.push(candle.low);
    if (!this.#highs.isFull) return null;
    this.result = -100 * (1 - rangePosition(candle.close, this.#highs.max(), this.#lows.min()));
    return this.result;
  }
}

/**
 * Commodity Channel Index (Lambert; TA-Lib ta_CCI.c): (TP − SMA(TP)) / (0.015 · mean deviation).
 * trading-signals yields NaN on a flat window; there the deviation is 0 and CCI reads 0, as in TA-Lib.
 */
export class Cci extends StreamingBase<number> {
  readonly warmUp: number;
  readonly #typical: RollingWindow;
  readonly #mean: SMA;

  constructor(period: number) {
    super();
    this.warmUp = period;
    this.#typical = new RollingWindow(period);
    this.#mean = new SMA(period);
  }

  add(candle: Candle): number | null {
    const typical = (candle.high + candle.low + candle.close) / 3;
    this.#typical.push(typical);
    const mean = this.#mean.add(typical);
    if (mean === null) return null;
    const deviation = this.#typical.meanDeviation(mean);
    this.result = deviation > FLAT_TOLERANCE * Math.abs(mean) ? (typical - mean) / (0.015 * deviation) : 0;
    return this.result;
  }
}

/**
 * A deviation this small next to the price is rounding noise from averaging identical values;
 * dividing by it would turn a flat market into a ±66 CCI.
 */
export const FLAT_TOLERANCE = 1e-12;

/** Awesome Oscillator (Williams): SMA(fast) − SMA(slow) of the median price (trading-signals' AO). */
export class AwesomeOscillator extends StreamingBase<number> {
  readonly warmUp: number;
  readonly #ao: AO;

  constructor(fast: number, slow: number) {
    super();
    this.warmUp = slow;
    this.#ao = new AO(fast, slow);
  }

  add(candle: Candle): number | null {
    this.result = this.#ao.add(candle);
    return this.result;
  }
}
