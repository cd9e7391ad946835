import type { Candle } from '../../domain/market-data.types.js';
import { nullable, num, object, present } from '../../snapshot/state-codec.js';
import { StreamingBase } from '../indicator.types.js';
import { RollingWindow, type RollingWindowState } from '../shared/rolling-window.js';
import { NAN, numberIsNaN } from '../../domain/fast-math.js';

export interface MfiState {
  readonly result: number | null;
  readonly previousTypical: number;
  readonly positive: RollingWindowState;
  readonly negative: RollingWindowState;
}

const MFI_STATE = object<{
  result: number | null;
  previousTypical: number;
  positive: unknown;
  negative: unknown;
}>({ result: nullable(num), previousTypical: num, positive: present, negative: present });

/**
 * Money Flow Index (Quong & Soudack; TA-Lib MFI), 50 when no money moved. Each candle's money flow
 * (typical price × volume) counts as positive or negative by the move of the typical price; the
 * sums run oldest first over the last `period` moves, as trading-signals' MFI adds them.
 */
export class Mfi extends StreamingBase<number, MfiState> {
  readonly warmUp: number;
  readonly #positive: RollingWindow;
  readonly #negative: RollingWindow;
  #previousTypical = NAN;

  constructor(period: number) {
    super();
    this.warmUp = period + 1;
    this.#positive = new RollingWindow(period);
    this.#negative = new RollingWindow(period);
  }

  add(candle: Candle): number | null {
    const typical = (candle.high + candle.low + candle.close) / 3;
    const previous = this.#previousTypical;
    this.#previousTypical = typical;
    if (numberIsNaN(previous)) return null;
    const flow = typical * candle.volume;
    // A flow that does not count adds +0, which leaves a sum started at 0 unchanged.
    this.#positive.push(typical > previous ? flow : 0);
    this.#negative.push(typical < previous ? flow : 0);
    if (!this.#positive.isFull) return null;
    const up = this.#positive.sum();
    const total = up + this.#negative.sum();
    this.result = total === 0 ? 50 : (100 * up) / total;
    return this.result;
  }

  save(): MfiState {
    return {
      result: this.result,
      previousTypical: this.#previousTypical,
      positive: this.#positive.save(),
      negative: this.#negative.save(),
    };
  }

  load(state: unknown, path: string): void {
    const s = MFI_STATE(state, path);
    this.#positive.load(s.positive, `${path}.positive`);
    this.#negative.load(s.negative, `${path}.negative`);
    this.#previousTypical = s.previousTypical;
    this.result = s.result;
  }
}
