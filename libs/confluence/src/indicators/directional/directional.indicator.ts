import type { Candle } from '../../domain/market-data.types.js';
import { count, nullable, num, object } from '../../snapshot/state-codec.js';
import { StreamingBase } from '../indicator.types.js';
import { trueRange } from '../shared/true-range.js';
import { abs, NAN, numberIsNaN } from '../../domain/fast-math.js';

export interface DirectionalResult {
  /** Null until 2·period − 1 candles have passed (ADX averages `period` DX values first). */
  readonly adx: number | null;
  readonly plusDi: number;
  readonly minusDi: number;
}

export interface DirectionalState {
  readonly result: DirectionalResult | null;
  readonly index: number;
  readonly previousHigh: number;
  readonly previousLow: number;
  readonly previousClose: number;
  readonly plusDm: number;
  readonly minusDm: number;
  readonly trueRange: number;
  readonly dxSum: number;
  readonly adx: number;
}

const DIRECTIONAL_STATE = object<DirectionalState>({
  result: nullable(object<DirectionalResult>({ adx: nullable(num), plusDi: num, minusDi: num })),
  index: count,
  previousHigh: num,
  previousLow: num,
  previousClose: num,
  plusDm: num,
  minusDm: num,
  trueRange: num,
  dxSum: num,
  adx: num,
});

/**
 * Wilder's directional movement system as TA-Lib computes it (ta_ADX.c, ta_PLUS_DI.c), in percent.
 * Departures of trading-signals' ADX that this corrects: +DI/−DI come out as fractions, not
 * percent; when the up-move equals the down-move TA-Lib counts neither (trading-signals counts
 * one); and TA-Lib seeds the Wilder sums with the plain sum of the first `period − 1` moves.
 * A zero true range gives DI 0 and leaves ADX unchanged, as in TA-Lib — but we test for exact zero
 * where TA-Lib uses an absolute 1e-8, which would blank out markets priced below a cent.
 */
export class Directional extends StreamingBase<DirectionalResult, DirectionalState> {
  readonly warmUp: number;
  readonly #period: number;
  #index = 0;
  #previousHigh = 0;
  #previousLow = 0;
  #previousClose = 0;
  #plusDm = 0;
  #minusDm = 0;
  #trueRange = 0;
  #dxSum = 0;
  #adx = NAN;

  constructor(period: number) {
    super();
    this.#period = period;
    this.warmUp = period + 1;
  }

  add(candle: Candle): DirectionalResult | null {
    const index = this.#index++;
    const upMove = candle.high - this.#previousHigh;
    const downMove = this.#previousLow - candle.low;
    const range = trueRange(candle.high, candle.low, this.#previousClose);
    this.#previousHigh = candle.high;
    this.#previousLow = candle.low;
    this.#previousClose = candle.close;
    if (index === 0) return null;
    const plus = upMove > 0 && upMove > downMove ? upMove : 0;
    const minus = downMove > 0 && downMove > upMove ? downMove : 0;
    const period = this.#period;
    if (index < period) {
      this.#plusDm += plus;
      this.#minusDm += minus;
      this.#trueRange += range;
      return null;
    }
    this.#plusDm += plus - this.#plusDm / period;
    this.#minusDm += minus - this.#minusDm / period;
    this.#trueRange += range - this.#trueRange / period;
    const plusDi = this.#trueRange > 0 ? (100 * this.#plusDm) / this.#trueRange : 0;
    const minusDi = this.#trueRange > 0 ? (100 * this.#minusDm) / this.#trueRange : 0;
    const diSum = plusDi + minusDi;
    const dx = diSum > 0 ? (100 * abs(plusDi - minusDi)) / diSum : NAN;
    if (index < 2 * period - 1) {
      if (!numberIsNaN(dx)) this.#dxSum += dx;
    } else if (index === 2 * period - 1) {
      this.#adx = (this.#dxSum + (numberIsNaN(dx) ? 0 : dx)) / period;
    } else if (!numberIsNaN(dx)) {
      this.#adx = (this.#adx * (period - 1) + dx) / period;
    }
    this.result = { adx: numberIsNaN(this.#adx) ? null : this.#adx, plusDi, minusDi };
    return this.result;
  }

  save(): DirectionalState {
    return {
      result: this.result,
      index: this.#index,
      previousHigh: this.#previousHigh,
      previousLow: this.#previousLow,
      previousClose: this.#previousClose,
      plusDm: this.#plusDm,
      minusDm: this.#minusDm,
      trueRange: this.#trueRange,
      dxSum: this.#dxSum,
      adx: this.#adx,
    };
  }

  load(state: unknown, path: string): void {
    const s = DIRECTIONAL_STATE(state, path);
    this.#index = s.index;
    this.#previousHigh = s.previousHigh;
    this.#previousLow = s.previousLow;
    this.#previousClose = s.previousClose;
    this.#plusDm = s.plusDm;
    this.#minusDm = s.minusDm;
    this.#trueRange = s.trueRange;
    this.#dxSum = s.dxSum;
    this.#adx = s.adx;
    this.result = s.result;
  }
}
