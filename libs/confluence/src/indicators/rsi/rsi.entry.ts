import { type IndicatorDefinition, single, type SpecOf } from '../indicator-definition.js';
import { Rsi } from './rsi.indicator.js';
import { rsiKernel } from './rsi.kernel.js';

/** The catalog entry of `RSI_<period>`. */
export function defineRsi(spec: SpecOf<'RSI'>): IndicatorDefinition {
  return single(
    spec,
    `RSI_${spec.period}`,
    () => new Rsi(spec.period),
    (c) => rsiKernel(c.close, spec.period),
  );
}
