import { type IndicatorDefinition, single, type SpecOf } from '../indicator-definition.js';
import { Obv } from './obv.indicator.js';
import { obvKernel } from './obv.kernel.js';

/** The catalog entry of `OBV`. */
export function defineObv(spec: SpecOf<'OBV'>): IndicatorDefinition {
  return single(
    spec,
    'OBV',
    () => new Obv(),
    (c) => obvKernel(c),
  );
}
