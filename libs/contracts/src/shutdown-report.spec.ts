import { describe, expect, it } from '@jest/globals';
import { ShutdownReport } from './shutdown-report.js';

describe('ShutdownReport', () => {
  it('gives a stop hook its cap until a stop begins, then never past the deadline', () => {
    const report = new ShutdownReport();
    expect(report.budget(5_000, 1_000)).toBe(5_000);

    report.stoppingBy(10_000);

    expect(report.budget(5_000, 1_000)).toBe(5_000);
    expect(report.budget(5_000, 8_000)).toBe(2_000);
    expect(report.budget(Infinity, 8_000)).toBe(2_000);
    expect(report.budget(5_000, 12_000)).toBe(0);
  });

  it('keeps what was lost, in order', () => {
    const report = new ShutdownReport();
    report.lost('3 store write(s)');
    report.lost('1 more');
    expect(report.losses).toEqual(['3 store write(s)', '1 more']);
  });
});
