import type { Candle } from '../domain/market-data.types.js';
import { count, nullable, num, object, present } from '../snapshot/state-codec.js';
import { StreamingBase } from './indicator.types.js';
import { SeededEma, SimpleAverage, type SmoothedAverageState, WilderAverage } from './moving-averages.js';
import { RollingWindow, type RollingWindowState } from './rolling-window.js';
import { abs, NAN, numberIsNaN } from '../domain/fast-math.js';

const RESULT = nullable(num);

export interface RsiState {
  readonly result: number | null;
  readonly previous: number;
  readonly gain: SmoothedAverageState;
  readonly loss: SmoothedAverageState;
}

const RSI_STATE = object<{ result: number | null; previous: number; gain: unknown; loss: unknown }>({
  result: RESULT,
  previous: num,
  gain: present,
  loss: present,
});

/**
 * Wilder's RSI (TA-Lib ta_RSI.c): Wilder-smoothed gains and losses, seeded with their SMA over the
 * first `period` changes; RSI = 100 · gain / (gain + loss). A market that has not moved has no
 * strength either way and reads 50 — TA-Lib returns 0 and trading-signals 100, both false extremes.
 */
export class Rsi extends StreamingBase<number, RsiState> {
  readonly warmUp: number;
  readonly #gain: WilderAverage;
  readonly #loss: WilderAverage;
  #previous = NAN;

  constructor(period: number) {
    super();
    this.warmUp = period + 1;
    this.#gain = new WilderAverage(period);
    this.#loss = new WilderAverage(period);
  }

  add(candle: Candle): number | null {
    const change = candle.close - this.#previous;
    this.#previous = candle.close;
    if (numberIsNaN(change)) return null;
    const gain = this.#gain.add(change > 0 ? change : 0);
    const loss = this.#loss.add(change < 0 ? -change : 0);
    if (gain === null || loss === null) return null;
    const total = gain + loss;
    this.result = total > 0 ? (100 * gain) / total : 50;
    return this.result;
  }

  save(): RsiState {
    return {
      result: this.result,
      previous: this.#previous,
      gain: this.#gain.save(),
      loss: this.#loss.save(),
    };
  }

  load(state: unknown, path: string): void {
    const s = RSI_STATE(state, path);
    this.#gain.load(s.gain, `${path}.gain`);
    this.#loss.load(s.loss, `${path}.loss`);
    this.#previous = s.previous;
    this.result = s.result;
  }
}

export interface MacdResult {
  readonly macd: number;
  readonly signal: number;
  readonly histogram: number;
}

export interface MacdState {
  readonly result: MacdResult | null;
  readonly index: number;
  readonly fast: SmoothedAverageState;
  readonly slow: SmoothedAverageState;
  readonly signal: SmoothedAverageState;
}

const MACD_STATE = object<{
  result: MacdResult | null;
  index: number;
  fast: unknown;
  slow: unknown;
  signal: unknown;
}>({
  result: nullable(object<MacdResult>({ macd: num, signal: num, histogram: num })),
  index: count,
  fast: present,
  slow: present,
  signal: present,
});

/**
 * MACD (Appel; TA-Lib ta_MACD.c). TA-Lib starts the fast EMA `slow − fast` candles late so both
 * averages produce their first value on the same candle, and only reports once the signal EMA
 * is seeded; we do the same, so values match from the first one.
 */
export class Macd extends StreamingBase<MacdResult, MacdState> {
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

  save(): MacdState {
    return {
      result: this.result,
      index: this.#index,
      fast: this.#fast.save(),
      slow: this.#slow.save(),
      signal: this.#signal.save(),
    };
  }

  load(state: unknown, path: string): void {
    const s = MACD_STATE(state, path);
    this.#fast.load(s.fast, `${path}.fast`);
    this.#slow.load(s.slow, `${path}.slow`);
    this.#signal.load(s.signal, `${path}.signal`);
    this.#index = s.index;
    this.result = s.result;
  }
}

/** A result and one window of inputs. */
export interface WindowedState {
  readonly result: number | null;
  readonly window: RollingWindowState;
}

const WINDOWED_STATE = object<{ result: number | null; window: unknown }>({
  result: RESULT,
  window: present,
});

/**
 * Rate of change in percent (TA-Lib ROC): the fraction (x − x₋ₙ) / x₋ₙ as trading-signals computes
 * it (which stops there), scaled to percent.
 */
export class Roc extends StreamingBase<number, WindowedState> {
  readonly warmUp: number;
  readonly #closes: RollingWindow;

  constructor(readonly period: number) {
    super();
    this.warmUp = period + 1;
    this.#closes = new RollingWindow(period + 1);
  }

  add(candle: Candle): number | null {
    this.#closes.push(candle.close);
    if (!this.#closes.isFull) return null;
    const compare = this.#closes.at(this.period);
    this.result = ((candle.close - compare) / compare) * 100;
    return this.result;
  }

  save(): WindowedState {
    return { result: this.result, window: this.#closes.save() };
  }

  load(state: unknown, path: string): void {
    const s = WINDOWED_STATE(state, path);
    this.#closes.load(s.window, `${path}.window`);
    this.result = s.result;
  }
}

/**
 * Commodity Channel Index (Lambert; TA-Lib ta_CCI.c): (TP − SMA(TP)) / (0.015 · mean deviation).
 * trading-signals yields NaN on a flat window; there the deviation is 0 and CCI reads 0, as in TA-Lib.
 */
export class Cci extends StreamingBase<number, WindowedState> {
  readonly warmUp: number;
  readonly #typical: RollingWindow;

  constructor(readonly period: number) {
    super();
    this.warmUp = period;
    this.#typical = new RollingWindow(period);
  }

  add(candle: Candle): number | null {
    const typical = (candle.high + candle.low + candle.close) / 3;
    this.#typical.push(typical);
    if (!this.#typical.isFull) return null;
    const mean = this.#typical.sum() / this.period;
    const deviation = this.#typical.meanDeviation(mean);
    this.result = deviation > FLAT_TOLERANCE * abs(mean) ? (typical - mean) / (0.015 * deviation) : 0;
    return this.result;
  }

  save(): WindowedState {
    return { result: this.result, window: this.#typical.save() };
  }

  load(state: unknown, path: string): void {
    const s = WINDOWED_STATE(state, path);
    this.#typical.load(s.window, `${path}.window`);
    this.result = s.result;
  }
}

/**
 * A deviation this small next to the price is rounding noise from averaging identical values;
 * dividing by it would turn a flat market into a ±66 CCI.
 */
export const FLAT_TOLERANCE = 1e-12;

export interface AwesomeOscillatorState {
  readonly result: number | null;
  readonly fast: RollingWindowState;
  readonly slow: RollingWindowState;
}

const AO_STATE = object<{ result: number | null; fast: unknown; slow: unknown }>({
  result: RESULT,
  fast: present,
  slow: present,
});

/** Awesome Oscillator (Williams): SMA(fast) − SMA(slow) of the median price, as trading-signals' AO. */
export class AwesomeOscillator extends StreamingBase<number, AwesomeOscillatorState> {
  readonly warmUp: number;
  readonly #fast: SimpleAverage;
  readonly #slow: SimpleAverage;

  constructor(fast: number, slow: number) {
    super();
    this.warmUp = slow;
    this.#fast = new SimpleAverage(fast);
    this.#slow = new SimpleAverage(slow);
  }

  add(candle: Candle): number | null {
    const median = (candle.low + candle.high) / 2;
    const fast = this.#fast.add(median);
    const slow = this.#slow.add(median);
    this.result = fast === null || slow === null ? null : fast - slow;
    return this.result;
  }

  save(): AwesomeOscillatorState {
    return { result: this.result, fast: this.#fast.save(), slow: this.#slow.save() };
  }

  load(state: unknown, path: string): void {
    const s = AO_STATE(state, path);
    this.#fast.load(s.fast, `${path}.fast`);
    this.#slow.load(s.slow, `${path}.slow`);
    this.result = s.result;
  }
}
