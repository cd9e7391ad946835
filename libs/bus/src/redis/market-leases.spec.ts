import { randomUUID } from 'node:crypto';
import { type AddressInfo, createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { type MarketRef, marketId } from '@app/contracts';
import { Redis } from 'ioredis';
// By path: the @app/testing barrel loads much more than this one helper.
import { eventually } from '../../../testing/src/eventually.js';
import {
  type LeaseLossReason,
  leaseKey,
  MarketLeases,
  type MarketLeasesOptions,
  releaseLease,
  renewLease,
  workersKey,
} from './market-leases.js';
import { rendezvousOwner } from './rendezvous.js';
import { LEASE_MARKET_IDS, LEASE_MARKETS } from '../testing/lease-markets.js';

const MARKETS = LEASE_MARKETS;
const IDS = LEASE_MARKET_IDS;
// With these ids HRW splits the four markets 3/1, so every multi-worker test moves something.
const A = 'worker-a';
const B = 'worker-b';

interface Worker {
  readonly leases: MarketLeases;
  readonly acquired: string[];
  readonly lost: { market: string; reason: LeaseLossReason }[];
  readonly logs: string[];
}

let redis: Redis;
let prefix: string;
const started: MarketLeases[] = [];
const extraConnections: Redis[] = [];

function worker(workerId: string, overrides: Partial<MarketLeasesOptions> = {}): Worker {
  const acquired: string[] = [];
  const lost: Worker['lost'] = [];
  const logs: string[] = [];
  const record = (message: string): void => {
    logs.push(message);
  };
  const leases = new MarketLeases({
    redis,
    prefix,
    workerId,
    markets: MARKETS,
    ttlMs: 10_000,
    logger: { log: record, warn: record, error: record },
    onAcquired: (market) => {
      acquired.push(marketId(market));
    },
    onLost: (market, reason) => {
      lost.push({ market: marketId(market), reason });
    },
    ...overrides,
  });
  started.push(leases);
  return { leases, acquired, lost, logs };
}

const ids = (w: Worker): string[] => w.leases.owned().map(marketId).sort();
const wins = (workerId: string, members: string[]): string[] =>
  IDS.filter((id) => rendezvousOwner(id, members) === workerId).sort();

/** No market is held by two workers, and whoever holds one is the value of its lease key. */
async function expectExclusive(...workers: Worker[]): Promise<void> {
  for (const market of MARKETS) {
    const holders = workers.filter((w) => w.leases.holds(market));
    expect(holders.length).toBeLessThanOrEqual(1);
    const holder = holders[0];
    if (holder !== undefined) expect(await redis.get(leaseKey(prefix, market))).toBe(holder.leases.workerId);
  }
}

beforeAll(() => {
  redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
});

afterEach(async () => {
  for (const leases of started.splice(0)) await leases.stop({ release: false });
  for (const connection of extraConnections.splice(0)) connection.disconnect();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 100);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
});

afterAll(async () => {
  await redis.quit();
});

describe('MarketLeases', () => {
  it('gives a lone worker every market, calling onAcquired once for each', async () => {
    prefix = `test-leases-${randomUUID()}`;
    const a = worker(A);
    await a.leases.tick();
    await a.leases.tick();
    expect(ids(a)).toEqual([...IDS].sort());
    expect([...a.acquired].sort()).toEqual([...IDS].sort());
    for (const market of MARKETS) expect(await redis.get(leaseKey(prefix, market))).toBe(A);
    expect(await redis.zrange(workersKey(prefix), '0', '-1')).toEqual([A]);
    expect(a.leases.status()).toEqual({
      workerId: A,
      members: [A],
      owned: IDS,
      acquired: 4,
      lost: 0,
      lastTickError: null,
    });
  });

  it('splits the markets between two workers as rendezvous hashing says', async () => {
    prefix = `test-leases-${randomUUID()}`;
    const a = worker(A);
    const b = worker(B);
    for (let round = 0; round < 2; round++) {
      await a.leases.tick();
      await expectExclusive(a, b);
      await b.leases.tick();
      await expectExclusive(a, b);
    }
    expect(ids(a)).toEqual(wins(A, [A, B]));
    expect(ids(b)).toEqual(wins(B, [A, B]));
    expect(ids(a).length).toBeGreaterThan(0);
    expect(ids(b).length).toBeGreaterThan(0);
    expect([...ids(a), ...ids(b)].sort()).toEqual([...IDS].sort());
    expect(b.leases.status().members).toEqual([A, B]);
  });

  it('hands a newcomer its markets: the holder releases them first, then the newcomer acquires', async () => {
    prefix = `test-leases-${randomUUID()}`;
    const a = worker(A);
    const b = worker(B);
    await a.leases.tick();
    expect(ids(a)).toEqual([...IDS].sort());

    await b.leases.tick(); // joins; its markets are still A's
    await expectExclusive(a, b);
    expect(ids(b)).toEqual([]);

    await a.leases.tick(); // sees B and lets go of what B wins
    await expectExclusive(a, b);
    const moved = wins(B, [A, B]);
    expect([...a.lost].sort((x, y) => x.market.localeCompare(y.market))).toEqual(
      moved.map((market) => ({ market, reason: 'rebalanced' })),
    );
    expect(ids(a)).toEqual(wins(A, [A, B]));

    await b.leases.tick();
    await expectExclusive(a, b);
    expect(ids(b)).toEqual(moved);
    expect([...b.acquired].sort()).toEqual(moved);
    expect(a.acquired).toHaveLength(4); // nothing bounced back
  });

  it("takes over a crashed worker's markets once its membership and leases expire", async () => {
    prefix = `test-leases-${randomUUID()}`;
    const ttlMs = 600;
    const a = worker(A, { ttlMs });
    const b = worker(B, { ttlMs });
    await a.leases.tick();
    await b.leases.tick();
    const lastRenewal = Date.now();
    await a.leases.tick();
    await b.leases.tick();
    expect(ids(b)).toEqual(wins(B, [A, B]));

    await a.leases.stop({ release: false }); // as a SIGKILL would leave things
    await b.leases.tick();
    // Unless this machine stalled for most of a TTL, A's leases are still live and B must wait.
    if (Date.now() - lastRenewal < ttlMs - 100) expect(ids(b)).toEqual(wins(B, [A, B]));

    await eventually(async () => {
      await b.leases.tick();
      await expectExclusive(b);
      return b.leases.owned().length === 4;
    }, "B to take over A's markets");
    expect(b.leases.status().members).toEqual([B]);
  });

  it('lets a gracefully stopped worker hand over at once', async () => {
    prefix = `test-leases-${randomUUID()}`;
    const a = worker(A);
    const b = worker(B);
    await a.leases.tick();
    await b.leases.tick();
    await a.leases.tick();
    const aHad = ids(a);

    await a.leases.stop();
    expect(a.lost.filter((l) => l.reason === 'stopped').map((l) => l.market)).toEqual(aHad);
    expect(a.leases.owned()).toEqual([]);
    expect(await redis.zrange(workersKey(prefix), '0', '-1')).toEqual([B]);
    for (const id of aHad) expect(await redis.exists(`${prefix}:lease:${id}`)).toBe(0);

    await b.leases.tick(); // no waiting for a 10 s TTL
    expect(ids(b)).toEqual([...IDS].sort());
    await expectExclusive(a, b);
    await a.leases.tick(); // a stopped worker does nothing
    expect(ids(b)).toEqual([...IDS].sort());
  });

  it('notices a lease taken or deleted behind its back at the next tick', async () => {
    prefix = `test-leases-${randomUUID()}`;
    const a = worker(A);
    await a.leases.tick();
    const [taken, deleted] = MARKETS as [MarketRef, MarketRef];
    await redis.set(leaseKey(prefix, taken), 'intruder', 'PX', 10_000);
    await redis.del(leaseKey(prefix, deleted));

    await a.leases.tick();
    expect(a.leases.holds(taken)).toBe(false);
    expect(a.lost).toEqual([
      { market: marketId(taken), reason: 'expired' },
      { market: marketId(deleted), reason: 'expired' },
    ]);
    // The deleted one was free, so it came straight back; the taken one waits for its holder.
    expect(a.leases.holds(deleted)).toBe(true);
    expect(await redis.get(leaseKey(prefix, taken))).toBe('intruder');
    expect(a.leases.status()).toMatchObject({ acquired: 5, lost: 2 });
  });

  it('stops believing in its leases after the TTL when Redis is unreachable', async () => {
    prefix = `test-leases-${randomUUID()}`;
    const connection = new Redis({
      host: '127.0.0.1',
      port: 6379,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      lazyConnect: true,
    });
    extraConnections.push(connection);
    await connection.connect();
    let clock = 1_000;
    const ttlMs = 3_000;
    const a = worker(A, { redis: connection, ttlMs, now: () => clock });
    await a.leases.tick();
    expect(a.leases.owned()).toHaveLength(4);

    connection.disconnect();
    clock += 1_000;
    await a.leases.tick();
    expect(a.leases.status().lastTickError).toMatch(/heartbeat/);
    expect(a.leases.owned()).toHaveLength(4); // within the TTL: keep trying
    expect(a.lost).toEqual([]);

    clock += ttlMs;
    expect(a.leases.owned()).toEqual([]); // never past the TTL, tick or not
    await a.leases.tick();
    expect([...a.lost].map((l) => l.reason)).toEqual(['expired', 'expired', 'expired', 'expired']);
    expect(a.leases.status().lastTickError).not.toBeNull();
  });

  it('gives up on a Redis call that gets no reply within the TTL', async () => {
    prefix = `test-leases-${randomUUID()}`;
    // A server that accepts commands and never answers, like a Redis that hangs.
    const server = createServer((socket) => {
      socket.on('data', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    // It never answers HELLO either, so commands wait in the client's offline queue.
    const connection = new Redis({ host: '127.0.0.1', port });
    extraConnections.push(connection);
    const a = worker(A, { redis: connection, ttlMs: 300 });
    await a.leases.tick();
    expect(a.leases.status().lastTickError).toMatch(/no reply within 300ms/);
    expect(a.leases.owned()).toEqual([]);
    connection.disconnect();
    await new Promise((resolve) => server.close(resolve));
  });

  it('runs its own loop: ticks, renews, rebalances, and releases on stop', async () => {
    prefix = `test-leases-${randomUUID()}`;
    // Renewal every ttl/3 of real time: 1 s leaves room for a busy machine's slow round trips.
    const ttlMs = 3_000;
    const a = worker(A, { ttlMs });
    const b = worker(B, { ttlMs });
    a.leases.start();
    await eventually(() => a.leases.owned().length === 4, 'A to own every market');
    b.leases.start();
    b.leases.start(); // ignored
    await eventually(async () => {
      await expectExclusive(a, b);
      return ids(a).join() === wins(A, [A, B]).join() && ids(b).join() === wins(B, [A, B]).join();
    }, 'A and B to split the markets');
    // Past a TTL the split still holds: renewals keep the leases alive.
    await new Promise((resolve) => setTimeout(resolve, ttlMs + 500));
    expect(ids(b)).toEqual(wins(B, [A, B]));
    expect([...a.lost, ...b.lost].filter((l) => l.reason === 'expired')).toEqual([]);
    await Promise.all([a.leases.stop(), b.leases.stop()]);
    expect(await redis.keys(`${prefix}:*`)).toEqual([]);
    expect(b.logs.some((m) => m.includes('start() ignored'))).toBe(true);
  });

  it('never runs two ticks at once', async () => {
    prefix = `test-leases-${randomUUID()}`;
    const a = worker(A);
    await Promise.all([a.leases.tick(), a.leases.tick(), a.leases.tick()]);
    expect(a.acquired).toHaveLength(4);
  });

  it('hands back a market whose onAcquired failed and retries it next tick', async () => {
    prefix = `test-leases-${randomUUID()}`;
    const failing = marketId(MARKETS[1]!);
    let failures = 1;
    const a = worker(A, {
      onAcquired: (market) => {
        if (marketId(market) === failing && failures-- > 0) throw new Error('not ready');
      },
    });
    await a.leases.tick();
    expect(a.leases.holds(MARKETS[1]!)).toBe(false);
    expect(await redis.get(leaseKey(prefix, MARKETS[1]!))).toBeNull();
    expect(a.leases.status().lastTickError).toMatch(/onAcquired .*not ready/);
    await a.leases.tick();
    expect(a.leases.owned()).toHaveLength(4);
    expect(a.leases.status().lastTickError).toBeNull();
  });

  it('exports lease primitives other Redis code can fence on', async () => {
    prefix = `test-leases-${randomUUID()}`;
    const key = leaseKey(prefix, MARKETS[0]!);
    expect(key).toBe(`${prefix}:lease:binance:BTC/USDT`);
    expect(await renewLease(redis, key, A, 5_000)).toBe(false);
    await redis.set(key, A, 'PX', 1_000);
    expect(await renewLease(redis, key, B, 5_000)).toBe(false);
    expect(await renewLease(redis, key, A, 5_000)).toBe(true);
    expect(await redis.pttl(key)).toBeGreaterThan(1_000);
    expect(await releaseLease(redis, key, B)).toBe(false);
    expect(await releaseLease(redis, key, A)).toBe(true);
    expect(await redis.exists(key)).toBe(0);
  });

  it('rejects options it cannot work with', () => {
    prefix = `test-leases-${randomUUID()}`;
    expect(() => worker(A, { ttlMs: 5 })).toThrow(RangeError);
    expect(() => worker('', {})).toThrow(RangeError);
    expect(() => worker(A, { markets: [MARKETS[0]!, MARKETS[0]!] })).toThrow(/duplicate/);
  });
});
