import { describe, expect, it } from '@jest/globals';
import { GapTracker } from './gap-tracker.js';

const M = 60_000;
const T = Date.UTC(2021, 1, 19, 10);

describe('GapTracker', () => {
  it('asks for a skipped hole again after retryMs, doubling, and declares it missing at the last attempt', () => {
    const gaps = new GapTracker({ attempts: 3, retryMs: 10_000 }, M);
    expect(gaps.due(T, 0)).toBe(true);
    expect(gaps.skipped(T, T + M, 1_000)).toEqual({
      verdict: 'retry',
      gap: { from: T, to: T + M, candles: 2, attempts: 1, firstSeenAt: 1_000, nextRetryAt: 11_000 },
    });
    expect(gaps.due(T, 10_999)).toBe(false);
    expect(gaps.due(T, 11_000)).toBe(true);
    // Another hole (the series moved on) is never held back by this one's wait.
    expect(gaps.due(T + 5 * M, 2_000)).toBe(true);
    expect(gaps.skipped(T, T + M, 11_000).gap).toMatchObject({
      attempts: 2,
      firstSeenAt: 1_000,
      nextRetryAt: 31_000,
    });
    expect(gaps.skipped(T, T + M, 31_000)).toEqual({
      verdict: 'missing',
      gap: { from: T, to: T + M, candles: 2, attempts: 3, declaredAt: 31_000 },
    });
    expect(gaps.pending).toEqual([]);
    expect(gaps.missingCandles).toBe(2);
    expect(gaps.missing).toHaveLength(1);
  });

  it('with one attempt, declares a hole missing at the first answer that skips it', () => {
    const gaps = new GapTracker({ attempts: 1, retryMs: 10_000 }, M);
    expect(gaps.skipped(T, T, 0).verdict).toBe('missing');
  });

  it('settles a pending hole the series has covered, whole or in part', () => {
    const gaps = new GapTracker({ attempts: 5, retryMs: 10_000 }, M);
    gaps.skipped(T, T + 2 * M, 0);
    expect(gaps.settle(T - M)).toBeNull();
    expect(gaps.settle(T)).toBeNull();
    expect(gaps.pending).toEqual([
      expect.objectContaining({ from: T + M, to: T + 2 * M, candles: 2, attempts: 1 }),
    ]);
    expect(gaps.settle(T + 2 * M)).toMatchObject({ from: T + M, to: T + 2 * M });
    expect(gaps.pending).toEqual([]);
    expect(gaps.settle(T + 3 * M)).toBeNull();
  });

  it('lists the newest 20 holes declared missing and counts them all', () => {
    const gaps = new GapTracker({ attempts: 1, retryMs: 10_000 }, M);
    for (let i = 0; i < 25; i++) gaps.skipped(T + 2 * i * M, T + 2 * i * M, i);
    expect(gaps.missingCandles).toBe(25);
    expect(gaps.missing).toHaveLength(20);
    expect(gaps.missing[0]?.from).toBe(T + 10 * M);
  });
});
