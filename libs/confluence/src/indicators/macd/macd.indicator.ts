import type { Candle } from '../../domain/market-data.types.js';
import { count, nullable, num, object, present } from '../../snapshot/state-codec.js';
import { StreamingBase } from '../indicator.types.js';
import { SeededEma, type SmoothedAverageState } from '../shared/moving-averages.js';

export interface MacdResult {
  readonly macd: number;
  readonly signal: number;
  readonly histogram: number;
}

export interface MacdState {
  readonly result: MacdResult | null;
  readonly index: number;
  readonly fast: SmoothedAverageState;
  readonly slow: SmoothedAverageState;
  readonly signal: SmoothedAverageState;
}

const MACD_STATE = object<{
  result: MacdResult | null;
  index: number;
  fast: unknown;
  slow: unknown;
  signal: unknown;
}>({
  result: nullable(object<MacdResult>({ macd: num, signal: num, histogram: num })),
  index: count,
  fast: present,
  slow: present,
  signal: present,
});

/**
 * MACD (Appel; TA-Lib ta_MACD.c). TA-Lib starts the fast EMA `slow − fast` candles late so both
 * averages produce their first value on the same candle, and only reports once the signal EMA
 * is seeded; we do the same, so values match from the first one.
 */
export class Macd extends StreamingBase<MacdResult, MacdState> {
  readonly warmUp: number;
  readonly #fast: SeededEma;
  readonly #slow: SeededEma;
  readonly #signal: SeededEma;
  readonly #fastStart: number;
  #index = 0;

  constructor(fast: number, slow: number, signal: number) {
    super();
    this.warmUp = slow + signal - 1;
    this.#fast = new SeededEma(fast);
    this.#slow = new SeededEma(slow);
    this.#signal = new SeededEma(signal);
    this.#fastStart = slow - fast;
  }

  add(candle: Candle): MacdResult | null {
    const index = this.#index++;
    const slow = this.#slow.add(candle.close);
    const fast = index >= this.#fastStart ? this.#fast.add(candle.close) : null;
    if (slow === null || fast === null) return null;
    const macd = fast - slow;
    const signal = this.#signal.add(macd);
    if (signal === null) return null;
    this.result = { macd, signal, histogram: macd - signal };
    return this.result;
  }

  save(): MacdState {
    return {
      result: this.result,
      index: this.#index,
      fast: this.#fast.save(),
      slow: this.#slow.save(),
      signal: this.#signal.save(),
    };
  }

  load(state: unknown, path: string): void {
    const s = MACD_STATE(state, path);
    this.#fast.load(s.fast, `${path}.fast`);
    this.#slow.load(s.slow, `${path}.slow`);
    this.#signal.load(s.signal, `${path}.signal`);
    this.#index = s.index;
    this.result = s.result;
  }
}
