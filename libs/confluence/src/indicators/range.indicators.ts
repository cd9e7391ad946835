/** Oscillators of where the close sits in the recent high–low range. */
import type { Candle } from '../domain/market-data.types.js';
import { nullable, num, object, present } from '../snapshot/state-codec.js';
import { StreamingBase } from './indicator.types.js';
import { SimpleAverage } from './moving-averages.js';
import { RollingWindow, type RollingWindowState } from './rolling-window.js';

/** Where `close` sits in the window's range, 0..1; the middle (0.5) when the window is flat. */
function rangePosition(close: number, highest: number, lowest: number): number {
  const range = highest - lowest;
  return range > 0 ? (close - lowest) / range : 0.5;
}

export interface StochasticResult {
  readonly k: number;
  readonly d: number;
}

export interface StochasticState {
  readonly result: StochasticResult | null;
  readonly highs: RollingWindowState;
  readonly lows: RollingWindowState;
  readonly slowK: RollingWindowState;
  readonly d: RollingWindowState;
}

const STOCHASTIC_STATE = object<{
  result: StochasticResult | null;
  highs: unknown;
  lows: unknown;
  slowK: unknown;
  d: unknown;
}>({
  result: nullable(object<StochasticResult>({ k: num, d: num })),
  highs: present,
  lows: present,
  slowK: present,
  d: present,
});

/**
 * Slow stochastic (Lane; TA-Lib STOCH with SMA smoothing): fast %K over `kPeriod`, smoothed by an
 * SMA of `kSmoothing` into slow %K, whose SMA of `dPeriod` is %D. A flat window reads 50: TA-Lib
 * and trading-signals report 0 there, a false "oversold".
 */
export class Stochastic extends StreamingBase<StochasticResult, StochasticState> {
  readonly warmUp: number;
  readonly #highs: RollingWindow;
  readonly #lows: RollingWindow;
  readonly #slowK: SimpleAverage;
  readonly #d: SimpleAverage;

  constructor(kPeriod: number, kSmoothing: number, dPeriod: number) {
    super();
    this.warmUp = kPeriod + kSmoothing + dPeriod - 2;
    this.#highs = new RollingWindow(kPeriod);
    this.#lows = new RollingWindow(kPeriod);
    this.#slowK = new SimpleAverage(kSmoothing);
    this.#d = new SimpleAverage(dPeriod);
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

  save(): StochasticState {
    return {
      result: this.result,
      highs: this.#highs.save(),
      lows: this.#lows.save(),
      slowK: this.#slowK.save(),
      d: this.#d.save(),
    };
  }

  load(state: unknown, path: string): void {
    const s = STOCHASTIC_STATE(state, path);
    this.#highs.load(s.highs, `${path}.highs`);
    this.#lows.load(s.lows, `${path}.lows`);
    this.#slowK.load(s.slowK, `${path}.slowK`);
    this.#d.load(s.d, `${path}.d`);
    this.result = s.result;
  }
}

export interface RangeState {
  readonly result: number | null;
  readonly highs: RollingWindowState;
  readonly lows: RollingWindowState;
}

const RANGE_STATE = object<{ result: number | null; highs: unknown; lows: unknown }>({
  result: nullable(num),
  highs: present,
  lows: present,
});

/** Williams %R (TA-Lib WILLR), −100..0; a flat window reads −50 rather than an extreme. */
export class WilliamsR extends StreamingBase<number, RangeState> {
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

  save(): RangeState {
    return { result: this.result, highs: this.#highs.save(), lows: this.#lows.save() };
  }

  load(state: unknown, path: string): void {
    const s = RANGE_STATE(state, path);
    this.#highs.load(s.highs, `${path}.highs`);
    this.#lows.load(s.lows, `${path}.lows`);
    this.result = s.result;
  }
}
