import type { Candle } from '../../domain/market-data.types.js';
import { nullable, num, object } from '../../snapshot/state-codec.js';
import { StreamingBase } from '../indicator.types.js';
import { floor, NAN } from '../../domain/fast-math.js';

const DAY_MS = 86_400_000;

/**
 * Session VWAP anchored at 00:00 UTC, the convention for 24/7 crypto markets: Σ(typical price ·
 * volume) / Σ volume since the session began. trading-signals' VWAP never resets, so after a few
 * days it stops tracking price at all. Null while the session has traded no volume.
 */
export interface SessionVwapState {
  readonly result: number | null;
  readonly session: number;
  readonly priceVolume: number;
  readonly volume: number;
}

const VWAP_STATE = object<SessionVwapState>({
  result: nullable(num),
  session: num,
  priceVolume: num,
  volume: num,
});

export class SessionVwap extends StreamingBase<number, SessionVwapState> {
  readonly warmUp = 1;
  #session = NAN;
  #priceVolume = 0;
  #volume = 0;

  add(candle: Candle): number | null {
    const session = floor(candle.timestamp / DAY_MS);
    if (session !== this.#session) {
      this.#session = session;
      this.#priceVolume = 0;
      this.#volume = 0;
    }
    this.#priceVolume += ((candle.high + candle.low + candle.close) / 3) * candle.volume;
    this.#volume += candle.volume;
    this.result = this.#volume > 0 ? this.#priceVolume / this.#volume : null;
    return this.result;
  }

  save(): SessionVwapState {
    return {
      result: this.result,
      session: this.#session,
      priceVolume: this.#priceVolume,
      volume: this.#volume,
    };
  }

  load(state: unknown, path: string): void {
    const s = VWAP_STATE(state, path);
    this.#session = s.session;
    this.#priceVolume = s.priceVolume;
    this.#volume = s.volume;
    this.result = s.result;
  }
}
