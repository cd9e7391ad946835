import { type IndicatorDefinition, single, type SpecOf } from '../indicator-definition.js';
import { Cmf } from './cmf.indicator.js';
import { cmfKernel } from './cmf.kernel.js';

/** The catalog entry of `CMF_<period>`. */
export function defineCmf(spec: SpecOf<'CMF'>): IndicatorDefinition {
  return single(
    spec,
    `CMF_${spec.period}`,
    () => new Cmf(spec.period),
    (c) => cmfKernel(c, spec.period),
  );
}
