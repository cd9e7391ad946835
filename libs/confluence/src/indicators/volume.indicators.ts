import { AD, CMF, MFI, OBV } from 'trading-signals';
import type { Candle } from '../domain/market-data.types.js';
import { StreamingBase } from './indicator.types.js';

const DAY_MS = 86_400_000;

/**
 * On-Balance Volume (Granville; TA-Lib ta_OBV.c). TA-Lib starts the running total at the first
 * candle's volume; trading-signals starts at 0 one candle later. We add the first volume, so
 * values match TA-Lib's exactly (an OBV offset never decays).
 */
export class Obv extends StreamingBase<number> {
  readonly warmUp = 1;
  readonly #obv = new OBV(2);
  #firstVolume = Number.NaN;

  add(candle: Candle): number | null {
    const running = this.#obv.add(candle);
    if (Number.isNaN(this.#firstVolume)) this.#firstVolume = candle.volume;
    this.result = this.#firstVolume + (running ?? 0);
    return this.result;
  }
}

/** Money Flow Index (Quong & Soudack; TA-Lib MFI): trading-signals' MFI, 50 when no money moved. */
export class Mfi extends StreamingBase<number> {
  readonly warmUp: number;
  readonly #mfi: MFI;

  constructor(period: number) {
    super();
    this.warmUp = period + 1;
    this.#mfi = new MFI(period);
  }

  add(candle: Candle): number | null {
    this.result = this.#mfi.add(candle);
    return this.result;
  }
}

/** Chaikin Money Flow: Σ money-flow volume / Σ volume over `period` (trading-signals' CMF; 0 without volume). */
export class Cmf extends StreamingBase<number> {
  readonly warmUp: number;
  readonly #cmf: CMF;

  constructor(period: number) {
    super();
    this.warmUp = period;
    this.#cmf = new CMF(period);
  }

  add(candle: Candle): number | null {
    const value = this.#cmf.add(candle);
    this.result = value === null ? null : Number.isFinite(value) ? value : 0;
    return this.result;
  }
}

/** Chaikin Accumulation/Distribution line (TA-Lib AD; trading-signals' AD). */
export class AdLine extends StreamingBase<number> {
  readonly warmUp = 1;
  readonly #ad = new AD();

  add(candle: Candle): number | null {
    this.result = this.#ad.add(candle);
    return this.result;
  }
}

/**
 * Session VWAP anchored at 00:00 UTC, the convention for 24/7 crypto markets: Σ(typical price ·
 * volume) / Σ volume since the session began. trading-signals' VWAP never resets, so after a few
 * days it stops tracking price at all. Null while the session has traded no volume.
 */
export class SessionVwap extends StreamingBase<number> {
  readonly warmUp = 1;
  #session = Number.NaN;
  #priceVolume = 0;
  #volume = 0;

  add(candle: Candle): number | null {
    const session = Math.floor(candle.timestamp / DAY_MS);
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
}
