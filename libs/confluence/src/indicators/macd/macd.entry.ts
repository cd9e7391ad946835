import { type IndicatorDefinition, multi, type SpecOf } from '../indicator-definition.js';
import { Macd } from './macd.indicator.js';
import { macdKernel } from './macd.kernel.js';

/** The catalog entry of `MACD_<fast>_<slow>_<signal>_{macd,signal,hist}`. */
export function defineMacd(spec: SpecOf<'MACD'>): IndicatorDefinition {
  const base = `MACD_${spec.fast}_${spec.slow}_${spec.signal}`;
  const warmUp = spec.slow + spec.signal - 1;
  return multi(
    spec,
    ['macd', 'signal', 'hist'].map((part) => ({ name: `${base}_${part}`, warmUp })),
    () => new Macd(spec.fast, spec.slow, spec.signal),
    (r) => (r === null ? [null, null, null] : [r.macd, r.signal, r.histogram]),
    (c) => macdKernel(c.close, spec.fast, spec.slow, spec.signal),
  );
}
