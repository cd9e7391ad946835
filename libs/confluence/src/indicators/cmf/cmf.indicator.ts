import type { Candle } from '../../domain/market-data.types.js';
import { nullable, num, object, present } from '../../snapshot/state-codec.js';
import { StreamingBase } from '../indicator.types.js';
import { moneyFlowVolume } from '../shared/money-flow-volume.js';
import { RollingWindow, type RollingWindowState } from '../shared/rolling-window.js';
import { finite } from '../../domain/fast-math.js';

export interface CmfState {
  readonly result: number | null;
  readonly flows: RollingWindowState;
  readonly volumes: RollingWindowState;
}

const CMF_STATE = object<{ result: number | null; flows: unknown; volumes: unknown }>({
  result: nullable(num),
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
