import type { Candle } from '../../domain/market-data.types.js';
import { StreamingBase } from '../indicator.types.js';
import { RollingWindow } from '../shared/rolling-window.js';
import { WINDOWED_STATE, type WindowedState } from '../shared/windowed-state.js';
import { abs } from '../../domain/fast-math.js';

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
