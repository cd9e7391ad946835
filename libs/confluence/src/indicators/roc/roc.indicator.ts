import type { Candle } from '../../domain/market-data.types.js';
import { StreamingBase } from '../indicator.types.js';
import { RollingWindow } from '../shared/rolling-window.js';
import { WINDOWED_STATE, type WindowedState } from '../shared/windowed-state.js';

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
