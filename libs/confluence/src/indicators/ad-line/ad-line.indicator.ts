import type { Candle } from '../../domain/market-data.types.js';
import { nullable, num, object } from '../../snapshot/state-codec.js';
import { StreamingBase } from '../indicator.types.js';
import { moneyFlowVolume } from '../shared/money-flow-volume.js';

export interface AdLineState {
  readonly result: number | null;
}

const AD_STATE = object<AdLineState>({ result: nullable(num) });

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
