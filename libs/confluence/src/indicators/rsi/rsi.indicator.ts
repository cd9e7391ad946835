import type { Candle } from '../../domain/market-data.types.js';
import { nullable, num, object, present } from '../../snapshot/state-codec.js';
import { StreamingBase } from '../indicator.types.js';
import { type SmoothedAverageState, WilderAverage } from '../shared/moving-averages.js';
import { NAN, numberIsNaN } from '../../domain/fast-math.js';

export interface RsiState {
  readonly result: number | null;
  readonly previous: number;
  readonly gain: SmoothedAverageState;
  readonly loss: SmoothedAverageState;
}

const RSI_STATE = object<{ result: number | null; previous: number; gain: unknown; loss: unknown }>({
  result: nullable(num),
  previous: num,
  gain: present,
  loss: present,
});

/**
 * Wilder's RSI (TA-Lib ta_RSI.c): Wilder-smoothed gains and losses, seeded with their SMA over the
 * first `period` changes; RSI = 100 · gain / (gain + loss). A market that has not moved has no
 * strength either way and reads 50 — TA-Lib returns 0 and trading-signals 100, both false extremes.
 */
export class Rsi extends StreamingBase<number, RsiState> {
  readonly warmUp: number;
  readonly #gain: WilderAverage;
  readonly #loss: WilderAverage;
  #previous = NAN;

  constructor(period: number) {
    super();
    this.warmUp = period + 1;
    this.#gain = new WilderAverage(period);
    this.#loss = new WilderAverage(period);
  }

  add(candle: Candle): number | null {
    const change = candle.close - this.#previous;
    this.#previous = candle.close;
    if (numberIsNaN(change)) return null;
    const gain = this.#gain.add(change > 0 ? change : 0);
    const loss = this.#loss.add(change < 0 ? -change : 0);
    if (gain === null || loss === null) return null;
    const total = gain + loss;
    this.result = total > 0 ? (100 * gain) / total : 50;
    return this.result;
  }

  save(): RsiState {
    return {
      result: this.result,
      previous: this.#previous,
      gain: this.#gain.save(),
      loss: this.#loss.save(),
    };
  }

  load(state: unknown, path: string): void {
    const s = RSI_STATE(state, path);
    this.#gain.load(s.gain, `${path}.gain`);
    this.#loss.load(s.loss, `${path}.loss`);
    this.#previous = s.previous;
    this.result = s.result;
  }
}
