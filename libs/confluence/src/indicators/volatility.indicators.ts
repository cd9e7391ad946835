import { BollingerBands as TsBollingerBands, WSMA } from 'trading-signals';
import type { Candle } from '../domain/market-data.types.js';
import { StreamingBase } from './indicator.types.js';

/** Wilder's true range against the previous close. */
export function trueRange(high: number, low: number, previousClose: number): number {
  return Math.max(high, previousClose) - Math.min(low, previousClose);
}

export interface BandsResult {
  readonly upper: number;
  readonly middle: number;
  readonly lower: number;
}

/** Bollinger Bands: SMA ± k population σ (TA-Lib BBANDS; trading-signals' implementation). */
export class Bollinger extends StreamingBase<BandsResult> {
  readonly warmUp: number;
  readonly #bands: TsBollingerBands;

  constructor(period: number, deviations: number) {
    super();
    this.warmUp = period;
    this.#bands = new TsBollingerBands(period, deviations);
  }

  add(candle: Candle): BandsResult | null {
    this.result = this.#bands.add(candle.close);
    return this.result;
  }
}

/**
 * Average True Range (Wilder; TA-Lib ta_ATR.c): the first true range needs a previous close, so
 * TA-Lib starts at the second candle and seeds with the SMA of `period` true ranges. trading-signals
 * counts the first candle's high − low as a true range; we skip it, matching TA-Lib exactly.
 */
export class Atr extends StreamingBase<number> {
  readonly warmUp: number;
  readonly #average: WSMA;
  #previousClose = Number.NaN;

  constructor(period: number) {
    super();
    this.warmUp = period + 1;
    this.#average = new WSMA(period);
  }

  add(candle: Candle): number | null {
    const previousClose = this.#previousClose;
    this.#previousClose = candle.close;
    if (Number.isNaN(previousClose)) return null;
    this.result = this.#average.add(trueRange(candle.high, candle.low, previousClose));
    return this.result;
  }
}

export interface DirectionalResult {
  /** Null until 2·period − 1 candles have passed (ADX averages `period` DX values first). */
  readonly adx: number | null;
  readonly plusDi: number;
  readonly minusDi: number;
}

/**
 * Wilder's directional movement system as TA-Lib computes it (ta_ADX.c, ta_PLUS_DI.c), in percent.
 * Departures of trading-signals' ADX that this corrects: +DI/−DI come out as fractions, not
 * percent; when the up-move equals the down-move TA-Lib counts neither (trading-signals counts
 * one); and TA-Lib seeds the Wilder sums with the plain sum of the first `period − 1` moves.
 * A zero true range gives DI 0 and leaves ADX unchanged, as in TA-Lib — but we test for exact zero
 * where TA-Lib uses an absolute 1e-8, which would blank out markets priced below a cent.
 */
export class Directional extends StreamingBase<DirectionalResult> {
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
  #adx = Number.NaN;

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
    const dx = diSum > 0 ? (100 * Math.abs(plusDi - minusDi)) / diSum : Number.NaN;
    if (index < 2 * period - 1) {
      if (!Number.isNaN(dx)) this.#dxSum += dx;
    } else if (index === 2 * period - 1) {
      this.#adx = (this.#dxSum + (Number.isNaN(dx) ? 0 : dx)) / period;
    } else if (!Number.isNaN(dx)) {
      this.#adx = (this.#adx * (period - 1) + dx) / period;
    }
    this.result = { adx: Number.isNaN(this.#adx) ? null : this.#adx, plusDi, minusDi };
    return this.result;
  }
}
