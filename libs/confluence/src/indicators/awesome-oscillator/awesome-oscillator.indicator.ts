import type { Candle } from '../../domain/market-data.types.js';
import { nullable, num, object, present } from '../../snapshot/state-codec.js';
import { StreamingBase } from '../indicator.types.js';
import { SimpleAverage } from '../shared/moving-averages.js';
import type { RollingWindowState } from '../shared/rolling-window.js';

export interface AwesomeOscillatorState {
  readonly result: number | null;
  readonly fast: RollingWindowState;
  readonly slow: RollingWindowState;
}

const AO_STATE = object<{ result: number | null; fast: unknown; slow: unknown }>({
  result: nullable(num),
  fast: present,
  slow: present,
});

/** Awesome Oscillator (Williams): SMA(fast) − SMA(slow) of the median price, as trading-signals' AO. */
export class AwesomeOscillator extends StreamingBase<number, AwesomeOscillatorState> {
  readonly warmUp: number;
  readonly #fast: SimpleAverage;
  readonly #slow: SimpleAverage;

  constructor(fast: number, slow: number) {
    super();
    this.warmUp = slow;
    this.#fast = new SimpleAverage(fast);
    this.#slow = new SimpleAverage(slow);
  }

  add(candle: Candle): number | null {
    const median = (candle.low + candle.high) / 2;
    const fast = this.#fast.add(median);
    const slow = this.#slow.add(median);
    this.result = fast === null || slow === null ? null : fast - slow;
    return this.result;
  }

  save(): AwesomeOscillatorState {
    return { result: this.result, fast: this.#fast.save(), slow: this.#slow.save() };
  }

  load(state: unknown, path: string): void {
    const s = AO_STATE(state, path);
    this.#fast.load(s.fast, `${path}.fast`);
    this.#slow.load(s.slow, `${path}.slow`);
    this.result = s.result;
  }
}
