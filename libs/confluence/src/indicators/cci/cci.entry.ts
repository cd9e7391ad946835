import { type IndicatorDefinition, single, type SpecOf } from '../indicator-definition.js';
import { Cci } from './cci.indicator.js';
import { cciKernel } from './cci.kernel.js';

/** The catalog entry of `CCI_<period>`. */
export function defineCci(spec: SpecOf<'CCI'>): IndicatorDefinition {
  return single(
    spec,
    `CCI_${spec.period}`,
    () => new Cci(spec.period),
    (c) => cciKernel(c, spec.period),
  );
}
