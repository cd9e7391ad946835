import { describe, expect, it } from '@jest/globals';
import { mean, median, quantile } from './statistics.js';

describe('statistics', () => {
  it('quantile interpolates between order statistics like numpy.percentile (Hyndman & Fan type 7)', () => {
    // numpy.percentile([1, 2, 3, 4], [0, 25, 90, 100]) → [1, 1.75, 3.7, 4]
    expect(quantile([4, 1, 3, 2], 0)).toBe(1);
    expect(quantile([4, 1, 3, 2], 0.25)).toBeCloseTo(1.75, 12);
    expect(quantile([4, 1, 3, 2], 0.9)).toBeCloseTo(3.7, 12);
    expect(quantile([4, 1, 3, 2], 1)).toBe(4);
    expect(quantile([5], 0.9)).toBe(5);
    expect(quantile([], 0.5)).toBeNull();
  });

  it('quantile does not reorder its input', () => {
    const values = [3, 1, 2];
    quantile(values, 0.5);
    expect(values).toEqual([3, 1, 2]);
  });

  it('median and mean', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
    expect(mean([1, 2, 6])).toBe(3);
    expect(mean([])).toBeNull();
  });
});
