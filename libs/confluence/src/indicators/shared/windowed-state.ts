import { nullable, num, object, present } from '../../snapshot/state-codec.js';
import type { RollingWindowState } from './rolling-window.js';

/** A result and one window of inputs (ROC, CCI). */
export interface WindowedState {
  readonly result: number | null;
  readonly window: RollingWindowState;
}

export const WINDOWED_STATE = object<{ result: number | null; window: unknown }>({
  result: nullable(num),
  window: present,
});
