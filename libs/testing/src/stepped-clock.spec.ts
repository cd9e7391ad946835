import { describe, expect, it } from '@jest/globals';
import { SteppedClock } from './stepped-clock.js';

const START = Date.UTC(2021, 1, 19);

/** A loop like an exchange feed's: does its work, then sleeps `everyMs` on the clock, until aborted. */
async function pollingLoop(
  clock: SteppedClock,
  everyMs: number,
  ticks: number[],
  signal: AbortSignal,
  work: () => Promise<void> = () => Promise.resolve(),
): Promise<void> {
  while (!signal.aborted) {
    await work();
    ticks.push(clock.now() - START);
    await clock.sleep(everyMs, signal);
  }
}

describe('SteppedClock', () => {
  it('stands still until stepped, then wakes exactly the timers that are due', async () => {
    const clock = new SteppedClock(START, 1);
    const woken: string[] = [];
    void clock.sleep(5_000).then(() => woken.push('5 s'));
    void clock.sleep(9_000).then(() => woken.push('9 s'));
    await Promise.resolve();
    expect(clock.now()).toBe(START);

    await clock.step();
    await Promise.resolve();
    expect(clock.now()).toBe(START + 5_000);
    expect(woken).toEqual(['5 s']);

    await clock.step();
    await Promise.resolve();
    expect(clock.now()).toBe(START + 9_000);
    expect(woken).toEqual(['5 s', '9 s']);
  });

  it('moves only while every loop sleeps: a loop busy on real I/O holds virtual time', async () => {
    const clock = new SteppedClock(START, 2);
    const controller = new AbortController();
    const fast: number[] = [];
    const slow: number[] = [];
    // The slow loop waits on a real timer (a socket, say) before each of its sleeps.
    const realWait = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));
    const loops = [
      pollingLoop(clock, 1_000, fast, controller.signal),
      pollingLoop(clock, 3_000, slow, controller.signal, realWait),
    ];

    await clock.advance(6_000);
    controller.abort();
    await Promise.all(loops);

    // The same ticks as on an idle machine: the fast loop never ran ahead of the slow one's work.
    expect(fast).toEqual([0, 1_000, 2_000, 3_000, 4_000, 5_000, 6_000]);
    expect(slow).toEqual([0, 3_000, 6_000]);
  });

  it('runs until a condition holds and fails on a virtual deadline when it never does', async () => {
    const clock = new SteppedClock(START, 1);
    const controller = new AbortController();
    const ticks: number[] = [];
    const loop = pollingLoop(clock, 60_000, ticks, controller.signal);

    await clock.runUntil(() => ticks.length >= 4, 'four ticks', 10 * 60_000);
    expect(ticks).toEqual([0, 60_000, 120_000, 180_000]);
    await expect(clock.runUntil(() => false, 'never', 5 * 60_000)).rejects.toThrow(
      'never: not reached within 300000 ms of virtual time',
    );
    expect(clock.now() - START).toBe(480_000);

    controller.abort();
    await loop;
  });

  it('wakes a sleeper at once when its signal aborts, and forgets its timer', async () => {
    const clock = new SteppedClock(START, 1);
    const controller = new AbortController();
    const sleeping = clock.sleep(60_000, controller.signal);
    controller.abort();
    await sleeping;
    expect(clock.now()).toBe(START);

    await clock.sleep(0, controller.signal);
    void clock.sleep(1_000);
    await clock.step();
    expect(clock.now()).toBe(START + 1_000);
  });
});
