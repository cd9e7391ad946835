import { type IndicatorDefinition, single, type SpecOf } from '../indicator-definition.js';
import { Roc } from './roc.indicator.js';
import { rocKernel } from './roc.kernel.js';

/** The catalog entry of `ROC_<period>`. */
export function defineRoc(spec: SpecOf<'ROC'>): IndicatorDefinition {
  return single(
    spec,
    `ROC_${spec.period}`,
    () => new Roc(spec.period),
    (c) => rocKernel(c.close, spec.period),
  );
}
