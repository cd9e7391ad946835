import { type IndicatorDefinition, single, type SpecOf } from '../indicator-definition.js';
import { CloseSma } from './sma.indicator.js';
import { smaKernel } from './sma.kernel.js';

/** The catalog entry of `SMA_<period>`. */
export function defineSma(spec: SpecOf<'SMA'>): IndicatorDefinition {
  return single(
    spec,
    `SMA_${spec.period}`,
    () => new CloseSma(spec.period),
    (c) => smaKernel(c.close, spec.period),
  );
}
