import { describe, expect, it } from '@jest/globals';
import { MemoryThrottlerStorage } from './memory-throttler-storage.js';

function clocked(): { storage: MemoryThrottlerStorage; advance: (ms: number) => void } {
  let now = 1_000_000;
  const storage = new MemoryThrottlerStorage(() => now, 5);
  return { storage, advance: (ms) => (now += ms) };
}

describe('MemoryThrottlerStorage', () => {
  it('counts hits in a fixed window and blocks past the limit until the block ends', async () => {
    const { storage, advance } = clocked();

    for (let hit = 1; hit <= 3; hit++)
      await expect(storage.increment('ip', 60_000, 3, 30_000, 'default')).resolves.toEqual({
        totalHits: hit,
        timeToExpire: 60,
        isBlocked: false,
        timeToBlockExpire: 0,
      });
    await expect(storage.increment('ip', 60_000, 3, 30_000, 'default')).resolves.toEqual({
      totalHits: 4,
      timeToExpire: 60,
      isBlocked: true,
      timeToBlockExpire: 30,
    });
    advance(10_000);
    await expect(storage.increment('ip', 60_000, 3, 30_000, 'default')).resolves.toMatchObject({
      isBlocked: true,
      timeToBlockExpire: 20,
      totalHits: 4,
    });
    // The block is over but the window still holds more than the limit: blocked again.
    advance(20_001);
    await expect(storage.increment('ip', 60_000, 3, 30_000, 'default')).resolves.toMatchObject({
      isBlocked: true,
      totalHits: 5,
    });
    // A new window starts after the old one and the block have both expired.
    advance(60_000);
    await expect(storage.increment('ip', 60_000, 3, 30_000, 'default')).resolves.toMatchObject({
      isBlocked: false,
      totalHits: 1,
    });
  });

  it('keeps keys and throttler names apart', async () => {
    const { storage } = clocked();

    await storage.increment('a', 1000, 1, 1000, 'default');
    await expect(storage.increment('a', 1000, 1, 1000, 'default')).resolves.toMatchObject({
      isBlocked: true,
    });
    await expect(storage.increment('b', 1000, 1, 1000, 'default')).resolves.toMatchObject({
      isBlocked: false,
    });
    await expect(storage.increment('a', 1000, 1, 1000, 'burst')).resolves.toMatchObject({ isBlocked: false });
  });

  it('sweeps expired windows without a timer', async () => {
    const { storage, advance } = clocked();

    for (const key of ['a', 'b', 'c']) await storage.increment(key, 1000, 10, 1000, 'default');
    expect(storage.size).toBe(3);
    advance(1001);
    // The fifth call sweeps: a, b and c expired; d and e are live.
    await storage.increment('d', 1000, 10, 1000, 'default');
    await storage.increment('e', 1000, 10, 1000, 'default');
    expect(storage.size).toBe(2);
  });
});
