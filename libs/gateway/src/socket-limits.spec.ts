import { describe, expect, it } from '@jest/globals';
import { ManualClock } from '@app/testing';
import { ConnectionsPerIp, TokenBucket } from './socket-limits.js';

describe('ConnectionsPerIp', () => {
  it('admits connections up to the limit per IP and refuses the next without counting it', () => {
    const connections = new ConnectionsPerIp(2);
    expect(connections.acquire('10.0.0.1')).toBe(true);
    expect(connections.acquire('10.0.0.1')).toBe(true);
    expect(connections.acquire('10.0.0.1')).toBe(false);
    expect(connections.acquire('10.0.0.1')).toBe(false);
    expect(connections.total).toBe(2);
    expect(connections.ips).toBe(1);
  });

  it('says whether an IP has room without counting anything', () => {
    const connections = new ConnectionsPerIp(2);
    connections.acquire('10.0.0.1');
    expect([connections.hasRoom('10.0.0.1'), connections.count('10.0.0.1')]).toEqual([true, 1]);
    connections.acquire('10.0.0.1');
    expect([connections.hasRoom('10.0.0.1'), connections.count('10.0.0.1')]).toEqual([false, 2]);
    expect([connections.hasRoom('10.0.0.2'), connections.count('10.0.0.2')]).toEqual([true, 0]);
    expect(connections.total).toBe(2);
  });

  it('counts each IP on its own', () => {
    const connections = new ConnectionsPerIp(1);
    expect(connections.acquire('10.0.0.1')).toBe(true);
    expect(connections.acquire('10.0.0.2')).toBe(true);
    expect(connections.acquire('::1')).toBe(true);
    expect(connections.acquire('10.0.0.1')).toBe(false);
    expect(connections.total).toBe(3);
    expect(connections.ips).toBe(3);
  });

  it('admits again after a release, and forgets an IP whose last connection closed', () => {
    const connections = new ConnectionsPerIp(2);
    connections.acquire('10.0.0.1');
    connections.acquire('10.0.0.1');
    connections.release('10.0.0.1');
    expect(connections.total).toBe(1);
    expect(connections.ips).toBe(1);
    expect(connections.acquire('10.0.0.1')).toBe(true);
    expect(connections.acquire('10.0.0.1')).toBe(false);
    connections.release('10.0.0.1');
    connections.release('10.0.0.1');
    expect(connections.total).toBe(0);
    expect(connections.ips).toBe(0);
  });

  it('ignores the release of an IP it does not hold (no negative counts)', () => {
    const connections = new ConnectionsPerIp(1);
    connections.release('10.0.0.9');
    expect(connections.total).toBe(0);
    expect(connections.ips).toBe(0);
    expect(connections.acquire('10.0.0.9')).toBe(true);
    expect(connections.acquire('10.0.0.9')).toBe(false);
  });

  it('refuses everyone with a limit of 0', () => {
    const connections = new ConnectionsPerIp(0);
    expect(connections.acquire('10.0.0.1')).toBe(false);
    expect(connections.total).toBe(0);
    expect(connections.ips).toBe(0);
  });
});

describe('TokenBucket', () => {
  const START = Date.UTC(2024, 0, 1);

  it('allows a burst of `burst` takes at once, then refuses', () => {
    const clock = new ManualClock(START);
    const bucket = new TokenBucket(1, 3, () => clock.now());
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
  });

  it('refills at ratePerSecond: one token after 1/rate seconds, not before', () => {
    const clock = new ManualClock(START);
    const bucket = new TokenBucket(4, 1, () => clock.now());
    expect(bucket.take()).toBe(true);
    clock.advance(249);
    expect(bucket.take()).toBe(false);
    clock.advance(5);
    expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
  });

  it('keeps partial refills across refused takes', () => {
    const clock = new ManualClock(START);
    const bucket = new TokenBucket(2, 1, () => clock.now());
    expect(bucket.take()).toBe(true);
    // 0.25 + 0.25 + 0.5 of a token at 2/s: the refused takes keep what had refilled.
    clock.advance(125);
    expect(bucket.take()).toBe(false);
    clock.advance(125);
    expect(bucket.take()).toBe(false);
    clock.advance(250);
    expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
  });

  it('never holds more than burst tokens, however long it rests', () => {
    const clock = new ManualClock(START);
    const bucket = new TokenBucket(10, 2, () => clock.now());
    clock.advance(3_600_000);
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, false]);
  });

  it('sustains exactly the rate under steady use', () => {
    const clock = new ManualClock(START);
    const bucket = new TokenBucket(4, 4, () => clock.now());
    let granted = 0;
    // A take every 125 ms (half a token at 4/s) for 10 s: the burst of 4, then 4 a second.
    for (let i = 0; i < 80; i += 1) {
      if (bucket.take()) granted += 1;
      clock.advance(125);
    }
    // 4 + 0.5 × 79 tokens were available by the last take.
    expect(granted).toBe(43);
  });
});
