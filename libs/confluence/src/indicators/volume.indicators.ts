import type { Candle } from '../domain/market-data.types.js';
import { nullable, num, object, present } from '../snapshot/state-codec.js';
import { StreamingBase } from './indicator.types.js';
import { RollingWindow, type RollingWindowState } from './rolling-window.js';
import { finite, floor, NAN, numberIsNaN } from '../domain/fast-math.js';

const DAY_MS = 86_400_000;
const RESULT = nullable(num);

/** Chaikin's money-flow volume: where the close sits in the range (−1..1, 0 when flat) × volume. */
function moneyFlowVolume(candle: Candle): number {
  const range = candle.high - candle.low;
  const multiplier = range !== 0 ? (candle.close - candle.low - (candle.high - candle.close)) / range : 0;
  return multiplier * candle.volume;
}

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

export interface MfiState {
  readonly result: number | null;
  readonly previousTypical: number;
  readonly positive: RollingWindowState;
  readonly negative: RollingWindowState;
}

const MFI_STATE = object<{
  result: number | null;
  previousTypical: number;
  positive: unknown;
  negative: unknown;
}>({ result: RESULT, previousTypical: num, positive: present, negative: present });

/**
 * Money Flow Index (Quong & Soudack; TA-Lib MFI), 50 when no money moved. Each candle's money flow
 * (typical price × volume) counts as positive or negative by the move of the typical price; the
 * sums run oldest first over the last `period` moves, as trading-signals' MFI adds them.
 */
export class Mfi extends StreamingBase<number, MfiState> {
  readonly warmUp: number;
  readonly #positive: RollingWindow;
  readonly #negative: RollingWindow;
  #previousTypical = NAN;

  constructor(period: number) {
    super();
    this.warmUp = period + 1;
    this.#positive = new RollingWindow(period);
    this.#negative = new RollingWindow(period);
  }

  add(candle: Candle): number | null {
    const typical = (candle.high + candle.low + candle.close) / 3;
    const previous = this.#previousTypical;
    this.#previousTypical = typical;
    if (numberIsNaN(previous)) return null;
    const flow = typical * candle.volume;
    // A flow that does not count adds +0, which leaves a sum started at 0 unchanged.
    this.#positive.push(typical > previous ? flow : 0);
    this.#negative.push(typical < previous ? flow : 0);
    if (!this.#positive.isFull) return null;
    const up = this.#positive.sum();
    const total = up + this.#negative.sum();
    this.result = total === 0 ? 50 : (100 * up) / total;
    return this.result;
  }

  save(): MfiState {
    return {
      result: this.result,
      previousTypical: this.#previousTypical,
      positive: this.#positive.save(),
      negative: this.#negative.save(),
    };
  }

  load(state: unknown, path: string): void {
    const s = MFI_STATE(state, path);
    this.#positive.load(s.positive, `${path}.positive`);
    this.#negative.load(s.negative, `${path}.negative`);
    this.#previousTypical = s.previousTypical;
    this.result = s.result;
  }
}

export interface CmfState {
  readonly result: number | null;
  readonly flows: RollingWindowState;
  readonly volumes: RollingWindowState;
}

const CMF_STATE = object<{ result: number | null; flows: unknown; volumes: unknown }>({
  result: RESULT,
  flows: present,
  volumes: present,
});

/**
 * Chaikin Money Flow: Σ money-flow volume / Σ volume over `period`, summed oldest first as
 * trading-signals' CMF does; 0 without volume.
 */
export class Cmf extends StreamingBase<number, CmfState> {
  readonly warmUp: number;
  readonly #flows: RollingWindow;
  readonly #volumes: RollingWindow;

  constructor(period: number) {
    super();
    this.warmUp = period;
    this.#flows = new RollingWindow(period);
    this.#volumes = new RollingWindow(period);
  }

  add(candle: Candle): number | null {
    this.#flows.push(moneyFlowVolume(candle));
    this.#volumes.push(candle.volume);
    if (!this.#flows.isFull) return null;
    const volume = this.#volumes.sum();
    const value = volume === 0 ? 0 : this.#flows.sum() / volume;
    this.result = finite(value) ? value : 0;
    return this.result;
  }

  save(): CmfState {
    return { result: this.result, flows: this.#flows.save(), volumes: this.#volumes.save() };
  }

  load(state: unknown, path: string): void {
    const s = CMF_STATE(state, path);
    this.#flows.load(s.flows, `${path}.flows`);
    this.#volumes.load(s.volumes, `${path}.volumes`);
    this.result = s.result;
  }
}

export interface AdLineState {
  readonly result: number | null;
}

const AD_STATE = object<AdLineState>({ result: RESULT });

/** Chaikin Accumulation/Distribution line (TA-Lib AD): the running Σ of money-flow volume. */
export class AdLine extends StreamingBase<number, AdLineState> {
  readonly warmUp = 1;

  add(candle: Candle): number | null {
    this.result = (this.result ?? 0) + moneyFlowVolume(candle);
    return this.result;
  }

  save(): AdLineState {
    return { result: this.result };
  }

  load(state: unknown, path: string): void {
    this.result = AD_STATE(state, path).result;
  }
}

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

const VWAP_STATE = object<SessionVwapState>({ result: RESULT, session: num, priceVolume: num, volume: num });

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
