import { describe, expect, it } from '@jest/globals';
import {
  formatDuration,
  formatFraction,
  formatScore,
  formatSigned,
  formatTime,
  scoreColor,
} from './format.js';

describe('display formats', () => {
  it('prints scores with one decimal, fractions and durations coarsely, a dash for nothing', () => {
    expect([formatScore(77.9785), formatScore(0), formatScore(null)]).toEqual(['78.0', '0.0', '–']);
    expect([formatFraction(0.414), formatFraction(1), formatFraction(undefined)]).toEqual([
      '41 %',
      '100 %',
      '–',
    ]);
    expect([0, 44_600, 60_000, 3_599_000, 7_200_000, 172_800_000, -5].map(formatDuration)).toEqual([
      '0 s',
      '45 s',
      '1 min',
      '59 min',
      '2 h',
      '2 d',
      '0 s',
    ]);
    expect([formatSigned(0.1234), formatSigned(-0.05), formatSigned(0)]).toEqual([
      '+0.123',
      '-0.050',
      '0.000',
    ]);
    expect(formatTime(1613748600000)).toBe('2021-02-19 15:30 UTC');
    expect(formatTime('2021-02-19T15:30:00.000Z')).toBe('2021-02-19 15:30 UTC');
  });

  it('colours scores red below 50 and green above, stronger the further from 50, grey at 50', () => {
    expect(scoreColor(50)).toBe('hsl(140 15% 88%)');
    expect(scoreColor(100)).toBe('hsl(140 70% 58%)');
    expect(scoreColor(0)).toBe('hsl(0 70% 58%)');
    expect(scoreColor(25)).toBe('hsl(0 43% 73%)');
    expect(scoreColor(140)).toBe(scoreColor(100));
    expect(scoreColor(null)).toBe('transparent');
  });
});
