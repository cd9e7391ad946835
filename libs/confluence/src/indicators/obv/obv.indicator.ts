import type { Candle } from '../../domain/market-data.types.js';
import { nullable, num, object } from '../../snapshot/state-codec.js';
import { StreamingBase } from '../indicator.types.js';
import { NAN, numberIsNaN } from '../../domain/fast-math.js';

const RESULT = nullable(num);

export interface ObvState {
  readonly result: number | null;
  readonly firstVolume: number;
  readonly previousClose: number;
  readonly running: number | null;
}

const OBV_STATE = object<ObvState>({ result: RESULT, firstVolume: num, previousClose: num, running: RESULT });

/**
 * On-Balance Volume (Granville; TA-Lib ta_OBV.c). TA-Lib starts the running total at the first
 * candle's volume; trading-signals starts at 0 one candle later. The engine added the first volume
 * to trading-signals' total, so values match TA-Lib's exactly (an OBV offset never decays); this
 * keeps that sum, first volume + the library's running total, operation for operation.
 */
export class Obv extends StreamingBase<number, ObvState> {
  readonly warmUp = 1;
  #firstVolume = NAN;
  #previousClose = NAN;
  #running: number | null = null;

  add(candle: Candle): number | null {
    const previous = this.#previousClose;
    this.#previousClose = candle.close;
    if (numberIsNaN(previous)) this.#firstVolume = candle.volume;
    else {
      const signed = candle.close > previous ? candle.volume : candle.close < previous ? -candle.volume : 0;
      this.#running = (this.#running ?? 0) + signed;
    }
    this.result = this.#firstVolume + (this.#running ?? 0);
    return this.result;
  }

  save(): ObvState {
    return {
      result: this.result,
      firstVolume: this.#firstVolume,
      previousClose: this.#previousClose,
      running: this.#running,
    };
  }

  load(state: unknown, path: string): void {
    const s = OBV_STATE(state, path);
    this.#firstVolume = s.firstVolume;
    this.#previousClose = s.previousClose;
    this.#running = s.running;
    this.result = s.result;
  }
}
