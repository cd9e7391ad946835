import { type IndicatorDefinition, multi, type SpecOf } from '../indicator-definition.js';
import { Stochastic } from './stochastic.indicator.js';
import { stochasticKernel } from './stochastic.kernel.js';

/** The catalog entry of `STOCH_<kPeriod>_<kSmoothing>_<dPeriod>_{k,d}`. */
export function defineStochastic(spec: SpecOf<'STOCH'>): IndicatorDefinition {
  const base = `STOCH_${spec.kPeriod}_${spec.kSmoothing}_${spec.dPeriod}`;
  const warmUp = spec.kPeriod + spec.kSmoothing + spec.dPeriod - 2;
  return multi(
    spec,
    ['k', 'd'].map((part) => ({ name: `${base}_${part}`, warmUp })),
    () => new Stochastic(spec.kPeriod, spec.kSmoothing, spec.dPeriod),
    (r) => (r === null ? [null, null] : [r.k, r.d]),
    (c) => stochasticKernel(c, spec.kPeriod, spec.kSmoothing, spec.dPeriod),
  );
}
