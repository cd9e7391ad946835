import type { Candle } from '../domain/market-data.types.js';
import { count, nullable, num, object, present } from '../snapshot/state-codec.js';
import { StreamingBase } from './indicator.types.js';
import { type SmoothedAverageState, WilderAverage } from './moving-averages.js';
import { RollingWindow, type RollingWindowState } from './rolling-window.js';
import { abs, max, min, NAN, numberIsNaN, sqrt } from '../domain/fast-math.js';

/** Wilder's true range against the previous close. */
export function trueRange(high: number, low: number, previousClose: number): number {
  return max(high, previousClose) - min(low, previousClose);
}

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

/**
 * Average True Range (Wilder; TA-Lib ta_ATR.c): the first true range needs a previous close, so
 * TA-Lib starts at the second candle and seeds with the SMA of `period` true ranges. trading-signals
 * counts the first candle's high − low as a true range; we skip it, matching TA-Lib exactly.
 */
export interface AtrState {
  readonly result: number | null;
  readonly previousClose: number;
  readonly average: SmoothedAverageState;
}

const ATR_STATE = object<{ result: number | null; previousClose: number; average: unknown }>({
  result: nullable(num),
  previousClose: num,
  average: present,
});

export class Atr extends StreamingBase<number, AtrState> {
  readonly warmUp: number;
  readonly #average: WilderAverage;
  #previousClose = NAN;

  constructor(period: number) {
    super();
    this.warmUp = period + 1;
    this.#average = new WilderAverage(period);
  }

  add(candle: Candle): number | null {
    const previousClose = this.#previousClose;
    this.#previousClose = candle.close;
    if (numberIsNaN(previousClose)) return null;
    this.result = this.#average.add(trueRange(candle.high, candle.low, previousClose));
    return this.result;
  }

  save(): AtrState {
    return { result: this.result, previousClose: this.#previousClose, average: this.#average.save() };
  }

  load(state: unknown, path: string): void {
    const s = ATR_STATE(state, path);
    this.#average.load(s.average, `${path}.average`);
    this.#previousClose = s.previousClose;
    this.result = s.result;
  }
}

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
