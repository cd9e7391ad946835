import { type IndicatorDefinition, single, type SpecOf } from '../indicator-definition.js';
import { WilliamsR } from './williams-r.indicator.js';
import { williamsRKernel } from './williams-r.kernel.js';

/** The catalog entry of `WILLR_<period>`. */
export function defineWilliamsR(spec: SpecOf<'WILLR'>): IndicatorDefinition {
  return single(
    spec,
    `WILLR_${spec.period}`,
    () => new WilliamsR(spec.period),
    (c) => williamsRKernel(c, spec.period),
  );
}
