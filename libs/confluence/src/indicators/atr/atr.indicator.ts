import type { Candle } from '../../domain/market-data.types.js';
import { nullable, num, object, present } from '../../snapshot/state-codec.js';
import { StreamingBase } from '../indicator.types.js';
import { type SmoothedAverageState, WilderAverage } from '../shared/moving-averages.js';
import { trueRange } from '../shared/true-range.js';
import { NAN, numberIsNaN } from '../../domain/fast-math.js';

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
