import { type IndicatorDefinition, single, type SpecOf } from '../indicator-definition.js';
import { SessionVwap } from './session-vwap.indicator.js';
import { sessionVwapKernel } from './session-vwap.kernel.js';

/** The catalog entry of `VWAP`. */
export function defineSessionVwap(spec: SpecOf<'VWAP'>): IndicatorDefinition {
  return single(
    spec,
    'VWAP',
    () => new SessionVwap(),
    (c) => sessionVwapKernel(c),
  );
}
