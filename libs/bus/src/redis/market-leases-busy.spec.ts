import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { marketId } from '@app/contracts';
import { Redis } from 'ioredis';
// By path: the @app/testing barrel loads much more than this one helper.
import { eventually } from '../../../testing/src/eventually.js';
import { type LeaseLossReason, MarketLeases } from './market-leases.js';
import { rendezvousOwner } from './rendezvous.js';
import { LEASE_MARKET_IDS, LEASE_MARKETS } from '../testing/lease-markets.js';

/**
 * MarketLeases on a busy worker: the renew period is a third of the TTL, so a worker keeps its
 * markets through work of any length as long as it yields to the event loop between pieces of it
 * (what processInTurns does for analysis batches); one synchronous block longer than the TTL lets
 * its leases lapse, and then each market goes back to the worker that held it, once, without
 * passing through another worker's hands.
 */

const MARKETS = LEASE_MARKETS;
const IDS = LEASE_MARKET_IDS;
/** Renewed every 333 ms, trusted for 988 ms after a renewal was sent; members last 2 s. */
const TTL_MS = 1000;

interface Worker {
  readonly leases: MarketLeases;
  readonly acquired: string[];
  readonly lost: { market: string; reason: LeaseLossReason }[];
}

let redis: Redis;
let prefix: string;
const started: MarketLeases[] = [];

function worker(workerId: string): Worker {
  const acquired: string[] = [];
  const lost: Worker['lost'] = [];
  const quiet = (): void => undefined;
  const leases = new MarketLeases({
    redis,
    prefix,
    workerId,
    markets: MARKETS,
    ttlMs: TTL_MS,
    logger: { log: quiet, warn: quiet, error: quiet },
    onAcquired: (market) => {
      acquired.push(marketId(market));
    },
    onLost: (market, reason) => {
      lost.push({ market: marketId(market), reason });
    },
  });
  started.push(leases);
  return { leases, acquired, lost };
}

/**
 * Holds the event loop for `ms` of wall time, all at once, as a long synchronous piece of work
 * does. It sleeps the thread (Atomics.wait) instead of spinning: to the event loop and its timers
 * it is the same, and the core stays free for the suites running beside this one.
 */
function block(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Keeps the CPU busy for `ms` of wall time, in pieces of `pieceMs` with the event loop free between them. */
async function busyInTurns(ms: number, pieceMs: number): Promise<void> {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    block(pieceMs);
    await nextTurn();
  }
}

const owned = (w: Worker): string[] => w.leases.owned().map(marketId).sort();

beforeAll(() => {
  redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
});

afterEach(async () => {
  for (const leases of started.splice(0)) await leases.stop({ release: true });
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
});

afterAll(async () => {
  await redis.quit();
});

describe('MarketLeases on a busy worker', () => {
  it('keeps every market through seconds of work done in turns (three times the TTL)', async () => {
    prefix = `test-leases-busy-${randomUUID()}`;
    const a = worker('worker-a');
    a.leases.start();
    await eventually(() => owned(a).length === 4, 'the worker to take every market', { intervalMs: 10 });

    await busyInTurns(3 * TTL_MS, 10);
    // A renewal that was due during the work has had its turn.
    await a.leases.tick();

    expect(a.lost).toEqual([]);
    expect(owned(a)).toEqual([...IDS].sort());
    expect(a.acquired).toHaveLength(4);
  });

  it('lets its leases lapse when blocked past the TTL at once, then takes each back itself, without a storm', async () => {
    prefix = `test-leases-busy-${randomUUID()}`;
    const a = worker('worker-a');
    const b = worker('worker-b');
    a.leases.start();
    b.leases.start();
    const members = ['worker-a', 'worker-b'];
    const share = (id: string): string[] => IDS.filter((m) => rendezvousOwner(m, members) === id).sort();
    const settled = (): boolean =>
      JSON.stringify(owned(a)) === JSON.stringify(share('worker-a')) &&
      JSON.stringify(owned(b)) === JSON.stringify(share('worker-b'));
    await eventually(settled, 'the workers to split the markets', { intervalMs: 10 });
    const before = { a: a.acquired.length, b: b.acquired.length, lostA: a.lost.length, lostB: b.lost.length };

    // Both in this process: blocked together, as a worker is by one long synchronous batch, past
    // their leases' TTL but within the membership's grace (MEMBERSHIP_TTLS): blocked 1.2 TTLs at
    // most a renew period after the last heartbeat, members lapse after 2.
    block(1.2 * TTL_MS);
    await eventually(settled, 'the split to come back', { intervalMs: 10 });
    // A few more renew periods: nothing moves any more.
    await busyInTurns(2 * TTL_MS, 5);

    expect(settled()).toBe(true);
    // Each held market lapsed once ('expired', never taken by the other) and was acquired once again.
    expect(a.lost.slice(before.lostA).map((l) => l.reason)).toEqual(share('worker-a').map(() => 'expired'));
    expect(b.lost.slice(before.lostB).map((l) => l.reason)).toEqual(share('worker-b').map(() => 'expired'));
    expect(a.acquired.length - before.a).toBe(share('worker-a').length);
    expect(b.acquired.length - before.b).toBe(share('worker-b').length);
  });
});
