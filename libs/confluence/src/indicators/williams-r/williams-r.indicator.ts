import type { Candle } from '../../domain/market-data.types.js';
import { nullable, num, object, present } from '../../snapshot/state-codec.js';
import { StreamingBase } from '../indicator.types.js';
import { rangePosition } from '../shared/range-position.js';
import { RollingWindow, type RollingWindowState } from '../shared/rolling-window.js';

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
