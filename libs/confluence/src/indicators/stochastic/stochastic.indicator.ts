import type { Candle } from '../../domain/market-data.types.js';
import { nullable, num, object, present } from '../../snapshot/state-codec.js';
import { StreamingBase } from '../indicator.types.js';
import { SimpleAverage } from '../shared/moving-averages.js';
import { rangePosition } from '../shared/range-position.js';
import { RollingWindow, type RollingWindowState } from '../shared/rolling-window.js';

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
