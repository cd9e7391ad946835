import { type IndicatorDefinition, multi, type SpecOf } from '../indicator-definition.js';
import { Directional } from './directional.indicator.js';
import { directionalKernel } from './directional.kernel.js';

/** The catalog entry of `ADX_<period>`, `PLUS_DI_<period>` and `MINUS_DI_<period>`. */
export function defineDirectional(spec: SpecOf<'ADX'>): IndicatorDefinition {
  const p = spec.period;
  return multi(
    spec,
    [
      { name: `ADX_${p}`, warmUp: 2 * p },
      { name: `PLUS_DI_${p}`, warmUp: p + 1 },
      { name: `MINUS_DI_${p}`, warmUp: p + 1 },
    ],
    () => new Directional(p),
    (r) => (r === null ? [null, null, null] : [r.adx, r.plusDi, r.minusDi]),
    (c) => directionalKernel(c, p),
  );
}
