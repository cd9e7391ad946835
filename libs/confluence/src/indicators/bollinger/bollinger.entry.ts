import { type IndicatorDefinition, multi, type SpecOf } from '../indicator-definition.js';
import { Bollinger } from './bollinger.indicator.js';
import { bollingerKernel } from './bollinger.kernel.js';

/** The catalog entry of `BB_<period>_<deviations>_{upper,middle,lower}`. */
export function defineBollinger(spec: SpecOf<'BB'>): IndicatorDefinition {
  const base = `BB_${spec.period}_${spec.deviations}`;
  return multi(
    spec,
    ['upper', 'middle', 'lower'].map((part) => ({ name: `${base}_${part}`, warmUp: spec.period })),
    () => new Bollinger(spec.period, spec.deviations),
    (r) => (r === null ? [null, null, null] : [r.upper, r.middle, r.lower]),
    (c) => bollingerKernel(c.close, spec.period, spec.deviations),
  );
}
