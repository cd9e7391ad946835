import { type IndicatorDefinition, single, type SpecOf } from '../indicator-definition.js';
import { Mfi } from './mfi.indicator.js';
import { mfiKernel } from './mfi.kernel.js';

/** The catalog entry of `MFI_<period>`. */
export function defineMfi(spec: SpecOf<'MFI'>): IndicatorDefinition {
  return single(
    spec,
    `MFI_${spec.period}`,
    () => new Mfi(spec.period),
    (c) => mfiKernel(c, spec.period),
  );
}
