import type { Candle } from '../../domain/market-data.types.js';
import { nullable, num, object, present } from '../../snapshot/state-codec.js';
import { StreamingBase } from '../indicator.types.js';
import { RollingWindow, type RollingWindowState } from '../shared/rolling-window.js';
import { sqrt } from '../../domain/fast-math.js';

export interface BandsResult {
  readonly upper: number;
  readonly middle: number;
  readonly lower: number;
}

export interface BollingerState {
  readonly result: BandsResult | null;
  readonly closes: RollingWindowState;
}

const BOLLINGER_STATE = object<{ result: BandsResult | null; closes: unknown }>({
  result: nullable(object<BandsResult>({ upper: num, middle: num, lower: num })),
  closes: present,
});

/**
 * Bollinger Bands: SMA ± k population σ (TA-Lib BBANDS), with trading-signals' arithmetic: the
 * mean, then the mean of squared deviations, both summed oldest first.
 */
export class Bollinger extends StreamingBase<BandsResult, BollingerState> {
  readonly warmUp: number;
  readonly #closes: RollingWindow;

  constructor(
    readonly period: number,
    readonly deviations: number,
  ) {
    super();
    this.warmUp = period;
    this.#closes = new RollingWindow(period);
  }

  add(candle: Candle): BandsResult | null {
    this.#closes.push(candle.close);
    if (!this.#closes.isFull) return null;
    const middle = this.#closes.sum() / this.period;
    const band = sqrt(this.#closes.squaredDeviations(middle) / this.period) * this.deviations;
    this.result = { lower: middle - band, middle, upper: middle + band };
    return this.result;
  }

  save(): BollingerState {
    return { result: this.result, closes: this.#closes.save() };
  }

  load(state: unknown, path: string): void {
    const s = BOLLINGER_STATE(state, path);
    this.#closes.load(s.closes, `${path}.closes`);
    this.result = s.result;
  }
}
