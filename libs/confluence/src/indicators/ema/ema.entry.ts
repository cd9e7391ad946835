import { type IndicatorDefinition, single, type SpecOf } from '../indicator-definition.js';
import { CloseEma } from './ema.indicator.js';
import { emaKernel } from './ema.kernel.js';

/** The catalog entry of `EMA_<period>`. */
export function defineEma(spec: SpecOf<'EMA'>): IndicatorDefinition {
  return single(
    spec,
    `EMA_${spec.period}`,
    () => new CloseEma(spec.period),
    (c) => emaKernel(c.close, spec.period),
  );
}
