import { describe, expect, it } from '@jest/globals';
import { eventually } from './eventually.js';

/** A condition that holds from its `n`-th check on, counting its checks. */
function holdsFrom(n: number): { check: () => boolean; readonly calls: () => number } {
  let calls = 0;
  return { check: () => ++calls >= n, calls: () => calls };
}

describe('eventually', () => {
  it('resolves at the first check when the condition already holds', async () => {
    const condition = holdsFrom(1);
    await eventually(condition.check, 'a condition that holds');
    expect(condition.calls()).toBe(1);
  });

  it('polls a synchronous condition until it holds', async () => {
    const condition = holdsFrom(4);
    await eventually(condition.check, 'the fourth check', { intervalMs: 1 });
    expect(condition.calls()).toBe(4);
  });

  it('awaits an asynchronous condition', async () => {
    const condition = holdsFrom(3);
    await eventually(() => Promise.resolve(condition.check()), 'the third check', { intervalMs: 1 });
    expect(condition.calls()).toBe(3);
  });

  it('passes on what the condition throws at once, without retrying', async () => {
    let calls = 0;
    const failing = (): boolean => {
      calls++;
      throw new Error('broken probe');
    };
    await expect(eventually(failing, 'a broken probe')).rejects.toThrow('broken probe');
    await expect(eventually(() => Promise.reject(new Error('refused')), 'a refused request')).rejects.toThrow(
      'refused',
    );
    expect(calls).toBe(1);
  });

  it('gives up after its deadline, naming what it waited for', async () => {
    // A tiny deadline, only here: this is the timeout path itself.
    await expect(eventually(() => false, 'the impossible', { timeoutMs: 30, intervalMs: 5 })).rejects.toThrow(
      new Error('the impossible: not within 30 ms'),
    );
  });
});
