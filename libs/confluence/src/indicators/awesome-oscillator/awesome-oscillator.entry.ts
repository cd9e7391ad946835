import { type IndicatorDefinition, single, type SpecOf } from '../indicator-definition.js';
import { AwesomeOscillator } from './awesome-oscillator.indicator.js';
import { awesomeOscillatorKernel } from './awesome-oscillator.kernel.js';

/** The catalog entry of `AO_<fast>_<slow>`. */
export function defineAwesomeOscillator(spec: SpecOf<'AO'>): IndicatorDefinition {
  return single(
    spec,
    `AO_${spec.fast}_${spec.slow}`,
    () => new AwesomeOscillator(spec.fast, spec.slow),
    (c) => awesomeOscillatorKernel(c, spec.fast, spec.slow),
  );
}
