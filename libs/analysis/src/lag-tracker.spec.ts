import { describe, expect, it } from '@jest/globals';
import { LagTracker } from './lag-tracker.js';

describe('LagTracker', () => {
  it('has no figures before the first sample', () => {
    expect(new LagTracker().summary()).toEqual({ last: null, p50: null, p99: null });
  });

  it('reports the last sample and the nearest-rank p50 / p99', () => {
    const tracker = new LagTracker(1_000);
    // 1..100 in a scrambled order: the percentiles do not depend on arrival order.
    for (let i = 0; i < 100; i++) tracker.record(((i * 37) % 100) + 1);
    expect(tracker.summary()).toEqual({ last: ((99 * 37) % 100) + 1, p50: 51, p99: 100 });
  });

  it('orders samples numerically, not as text', () => {
    const tracker = new LagTracker();
    for (const lag of [9, 10, 100, 1_000, 2, 30]) tracker.record(lag);
    // Sorted: 2, 9, 10, 30, 100, 1000 → p50 is index 3, p99 index 5.
    expect(tracker.summary()).toEqual({ last: 30, p50: 30, p99: 1_000 });
  });

  it('keeps one sample alone', () => {
    const tracker = new LagTracker();
    tracker.record(12.5);
    expect(tracker.summary()).toEqual({ last: 12.5, p50: 12.5, p99: 12.5 });
  });

  it('counts a negative lag (clocks apart) as zero', () => {
    const tracker = new LagTracker();
    tracker.record(-40);
    expect(tracker.summary()).toEqual({ last: 0, p50: 0, p99: 0 });
    tracker.record(10);
    expect(tracker.summary()).toEqual({ last: 10, p50: 10, p99: 10 });
  });

  it('summarises only the most recent `capacity` samples (a ring buffer)', () => {
    const tracker = new LagTracker(4);
    for (const lag of [1_000, 2_000, 3_000]) tracker.record(lag);
    expect(tracker.summary()).toEqual({ last: 3_000, p50: 2_000, p99: 3_000 });
    // Four more overwrite the oldest: only 5, 6, 7, 8 remain, then wrap once more.
    for (const lag of [5, 6, 7, 8]) tracker.record(lag);
    expect(tracker.summary()).toEqual({ last: 8, p50: 7, p99: 8 });
    tracker.record(1);
    // Held: 1, 6, 7, 8.
    expect(tracker.summary()).toEqual({ last: 1, p50: 7, p99: 8 });
    for (let i = 0; i < 4; i++) tracker.record(50);
    expect(tracker.summary()).toEqual({ last: 50, p50: 50, p99: 50 });
  });

  it('does not disturb the order of what it holds when summarising', () => {
    const tracker = new LagTracker(3);
    for (const lag of [30, 10, 20]) tracker.record(lag);
    expect(tracker.summary()).toMatchObject({ p50: 20 });
    // The oldest (30) is overwritten next, not whatever sorted first.
    tracker.record(5);
    expect(tracker.summary()).toEqual({ last: 5, p50: 10, p99: 20 });
  });
});
