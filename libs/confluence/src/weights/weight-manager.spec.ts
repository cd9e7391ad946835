import { describe, expect, it } from '@jest/globals';
import { type ConfigShape, WEIGHTS_DEFAULTS, type WeightsConfig } from '@app/config';
import { COMPONENT_NAMES, COMPONENT_SUBSCORES } from '@app/contracts';
import { renormalise, WeightManager } from './weight-manager.js';

type Weights = ConfigShape<WeightsConfig>;
const config = (patch: Partial<Weights> = {}): Weights => ({ ...WEIGHTS_DEFAULTS, ...patch });
const sum = (weights: Readonly<Record<string, number | undefined>>) =>
  Object.values(weights).reduce((s: number, w) => s + (w ?? 0), 0);

describe('renormalise', () => {
  it('rescales the present keys to sum to 1 and zeroes the absent ones, keeping their ratios', () => {
    const out = renormalise({ a: 0.3, b: 0.2, c: 0.5 }, (k) => k !== 'c');
    expect(out).toEqual({ a: 0.6, b: 0.4, c: 0 });
  });

  it('gives all zeros when nothing is present (no data, no weight)', () => {
    expect(renormalise({ a: 0.5, b: 0.5 }, () => false)).toEqual({ a: 0, b: 0 });
  });

  it('does not depend on the order the weights were written in', () => {
    const forward = renormalise({ a: 0.1, b: 0.2, c: 0.7 });
    const backward = renormalise({ c: 0.7, b: 0.2, a: 0.1 });
    expect(Object.entries(forward)).toEqual(Object.entries(backward));
  });
});

describe('WeightManager', () => {
  it('serves the configured weights, every level normalised', () => {
    const set = new WeightManager(config()).forSymbol('BTC/USDT');
    expect(set.components).toEqual(renormalise(WEIGHTS_DEFAULTS.components));
    expect(sum(set.components)).toBeCloseTo(1, 12);
    for (const component of COMPONENT_NAMES) {
      expect(Object.keys(set.subscores[component]).sort()).toEqual(
        [...COMPONENT_SUBSCORES[component]].sort(),
      );
      expect(sum(set.subscores[component])).toBeCloseTo(1, 12);
    }
    expect(set.thresholds).toEqual({ short: 40, long: 60 });
  });

  it('applies a symbol override for the parts it names and keeps the rest global', () => {
    const manager = new WeightManager(
      config({
        overrides: {
          'LTC/USDT': {
            thresholds: { short: 35, long: 65 },
            components: { ...WEIGHTS_DEFAULTS.components, technical: 0.2, sentiment: 0.0 },
          },
        },
      }),
    );
    const ltc = manager.forSymbol('LTC/USDT');
    expect(ltc.thresholds).toEqual({ short: 35, long: 65 });
    expect(ltc.components.sentiment).toBe(0);
    expect(ltc.components.technical).toBeCloseTo(0.2 / 1.03, 12);
    expect(ltc.subscores).toEqual(manager.forSymbol('BTC/USDT').subscores);
    expect(manager.forSymbol('BTC/USDT').thresholds).toEqual({ short: 40, long: 60 });
    expect(manager.forSymbol('LTC/USDT')).toBe(ltc);
    expect(manager.forSymbol()).toBe(manager.forSymbol('ETH/USDT'));
  });

  it('hands out frozen sets', () => {
    const set = new WeightManager(config()).forSymbol('BTC/USDT');
    expect(Object.isFrozen(set)).toBe(true);
    expect(Object.isFrozen(set.components)).toBe(true);
    expect(Object.isFrozen(set.thresholds)).toBe(true);
  });
});
