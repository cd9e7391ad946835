import { describe, expect, it } from '@jest/globals';
import { rendezvousOwner, rendezvousWeight } from './rendezvous.js';

const KEYS = Array.from({ length: 1_000 }, (_, i) => `exchange-${i % 7}:SYM${i}/USDT`);

describe('rendezvousOwner', () => {
  it('is deterministic and ignores the order of the members', () => {
    const members = ['worker-a', 'worker-b', 'worker-c'];
    for (const key of KEYS.slice(0, 100)) {
      const owner = rendezvousOwner(key, members);
      expect(owner).toBeDefined();
      expect(rendezvousOwner(key, [...members].reverse())).toBe(owner);
      expect(rendezvousOwner(key, ['worker-c', 'worker-a', 'worker-b'])).toBe(owner);
    }
    expect(rendezvousWeight('k', 'm')).toBe(rendezvousWeight('k', 'm'));
    // The separator keeps ('ab', 'c') and ('a', 'bc') apart.
    expect(rendezvousWeight('c', 'ab')).not.toBe(rendezvousWeight('bc', 'a'));
  });

  it('has no owner without members, and the only member owns everything', () => {
    expect(rendezvousOwner('binance:BTC/USDT', [])).toBeUndefined();
    expect(KEYS.every((key) => rendezvousOwner(key, ['solo']) === 'solo')).toBe(true);
  });

  it('spreads 1,000 keys roughly evenly over 3 members', () => {
    const members = ['worker-a', 'worker-b', 'worker-c'];
    const counts = new Map<string, number>();
    for (const key of KEYS) {
      const owner = rendezvousOwner(key, members) ?? 'none';
      counts.set(owner, (counts.get(owner) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(members);
    for (const count of counts.values()) {
      expect(count).toBeGreaterThanOrEqual(250);
      expect(count).toBeLessThanOrEqual(420);
    }
  });

  it('moves only the keys the newcomer wins when a member joins', () => {
    const before = ['worker-a', 'worker-b', 'worker-c'];
    const after = [...before, 'worker-d'];
    let moved = 0;
    for (const key of KEYS) {
      const was = rendezvousOwner(key, before);
      const is = rendezvousOwner(key, after);
      if (was !== is) {
        expect(is).toBe('worker-d');
        moved++;
      }
    }
    expect(moved).toBeGreaterThan(150);
    expect(moved).toBeLessThan(350);
  });
});
