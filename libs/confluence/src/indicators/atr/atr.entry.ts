import { type IndicatorDefinition, single, type SpecOf } from '../indicator-definition.js';
import { Atr } from './atr.indicator.js';
import { atrKernel } from './atr.kernel.js';

/** The catalog entry of `ATR_<period>`. */
export function defineAtr(spec: SpecOf<'ATR'>): IndicatorDefinition {
  return single(
    spec,
    `ATR_${spec.period}`,
    () => new Atr(spec.period),
    (c) => atrKernel(c, spec.period),
  );
}
