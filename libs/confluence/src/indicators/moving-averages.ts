import { EMA, SMA } from 'trading-signals';
import type { Candle } from '../domain/market-data.types.js';
import { StreamingBase } from './indicator.types.js';

/**
 * TA-Lib's EMA (ta_EMA.c, default compatibility): the first value is the SMA of the first
 * `period` inputs, then `ema += k · (x − ema)` with k = 2 / (period + 1).
 * trading-signals' EMA seeds with the first input instead, so its early values differ; we feed it
 * the SMA seed as its first input, after which its recursion is TA-Lib's.
 */
export class SeededEma {
  readonly #ema: EMA;
  #seedSum = 0;
  #seen = 0;

  constructor(readonly period: number) {
    this.#ema = new EMA(period);
  }

  add(value: number): number | null {
    if (this.#seen < this.period) {
      this.#seedSum += value;
      this.#seen++;
      if (this.#seen < this.period) return null;
      return this.#ema.add(this.#seedSum / this.period);
    }
    return this.#ema.add(value);
  }
}

/** Simple moving average of closes (trading-signals' SMA; identical to TA-Lib's SMA). */
export class CloseSma extends StreamingBase<number> {
  readonly warmUp: number;
  readonly #sma: SMA;

  constructor(period: number) {
    super();
    this.warmUp = period;
    this.#sma = new SMA(period);
  }

  add(candle: Candle): number | null {
    this.result = this.#sma.add(candle.close);
    return this.result;
  }
}

/** Exponential moving average of closes, TA-Lib seeding (see SeededEma). */
export class CloseEma extends StreamingBase<number> {
  readonly warmUp: number;
  readonly #ema: SeededEma;

  constructor(period: number) {
    super();
    this.warmUp = period;
    this.#ema = new SeededEma(period);
  }

  add(candle: Candle): number | null {
    this.result = this.#ema.add(candle.close);
    return this.result;
  }
}
