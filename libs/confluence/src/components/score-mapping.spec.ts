import { describe, expect, it } from '@jest/globals';
import { imbalance, ratio, tanhScore } from './score-mapping.js';

describe('tanhScore', () => {
  it('is 50 at zero, symmetric, monotonic, ≈ 88 at one scale', () => {
    expect(tanhScore(0, 1)).toBe(50);
    expect(tanhScore(0.3, 1) - 50).toBeCloseTo(50 - tanhScore(-0.3, 1), 12);
    expect(tanhScore(0.2, 1)).toBeLessThan(tanhScore(0.3, 1));
    expect(tanhScore(1, 1)).toBeCloseTo(88.08, 2);
  });

  it('stays strictly inside (0, 100) however large the reading, where plain tanh rounds to ±1', () => {
    expect(Math.tanh(20)).toBe(1);
    expect(tanhScore(1e12, 1)).toBeLessThan(100);
    expect(tanhScore(-1e12, 1)).toBeGreaterThan(0);
  });

  it('reads non-finite readings and non-positive scales as neutral', () => {
    expect(tanhScore(Number.NaN, 1)).toBe(50);
    expect(tanhScore(Infinity, 1)).toBe(50);
    expect(tanhScore(1, 0)).toBe(50);
  });
});

describe('imbalance and ratio', () => {
  it('are 0 without a denominator rather than NaN', () => {
    expect(imbalance(0, 0)).toBe(0);
    expect(imbalance(3, 1)).toBe(0.5);
    expect(ratio(1, 0)).toBe(0);
    expect(ratio(Number.NaN, 2)).toBe(0);
    expect(ratio(1, 4)).toBe(0.25);
  });
});
