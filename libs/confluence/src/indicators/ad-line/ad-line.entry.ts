import { type IndicatorDefinition, single, type SpecOf } from '../indicator-definition.js';
import { AdLine } from './ad-line.indicator.js';
import { adLineKernel } from './ad-line.kernel.js';

/** The catalog entry of `AD`. */
export function defineAdLine(spec: SpecOf<'AD'>): IndicatorDefinition {
  return single(
    spec,
    'AD',
    () => new AdLine(),
    (c) => adLineKernel(c),
  );
}
