import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { marketId } from '@app/contracts';
import { Redis } from 'ioredis';
// By path: the @app/testing barrel loads much more than this one helper.
import { eventually } from '../../../testing/src/eventually.js';
import { MarketLeases, membershipChannel, workersKey } from './market-leases.js';
import { rendezvousOwner } from './rendezvous.js';
import { LEASE_MARKET_IDS, LEASE_MARKETS } from '../testing/lease-markets.js';

/**
 * MarketLeases announcing membership changes on Redis (the real server on 6379): a worker that
 * joins, hands markets over or stops says so, and the others run their round at once. The
 * workers here tick once when they start and never again on their own (their sleep between
 * renewals lasts until they stop), so whatever moves after that moved on an announcement.
 */

const IDS = LEASE_MARKET_IDS;
const A = 'worker-a';
const B = 'worker-b';

interface Worker {
  readonly leases: MarketLeases;
  readonly subscriber: Redis;
}

let redis: Redis;
let prefix: string;
const started: Worker[] = [];

/** Its sleep ends only when it stops: one round at start, then rounds on announcements alone. */
function worker(workerId: string): Worker {
  const subscriber = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
  const quiet = (): void => undefined;
  const leases = new MarketLeases({
    redis,
    subscriber,
    prefix,
    workerId,
    markets: LEASE_MARKETS,
    ttlMs: 60_000,
    logger: { log: quiet, warn: quiet, error: quiet },
    onAcquired: () => undefined,
    onLost: () => undefined,
    sleep: (_ms, signal) =>
      new Promise((_resolve, reject) => {
        signal?.addEventListener('abort', () => {
          reject(new Error('stopped'));
        });
      }),
  });
  const created = { leases, subscriber };
  started.push(created);
  return created;
}

const ids = (w: Worker): string[] => w.leases.owned().map(marketId).sort();
const wins = (workerId: string, members: string[]): string[] =>
  IDS.filter((id) => rendezvousOwner(id, members) === workerId).sort();

beforeAll(() => {
  redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
});

afterEach(async () => {
  for (const { leases, subscriber } of started.splice(0)) {
    await leases.stop({ release: false });
    subscriber.disconnect();
  }
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
});

afterAll(async () => {
  await redis.quit();
});

describe('MarketLeases announcements', () => {
  it("splits the markets as soon as a worker joins, and hands a stopped worker's over at once", async () => {
    prefix = `test-leases-announce-${randomUUID()}`;
    const a = worker(A);
    a.leases.start();
    await eventually(() => a.leases.owned().length === IDS.length, 'A to own every market');

    // B's one round finds everything held; its announcement makes A release B's share, and A's
    // announcement of that makes B take it: no renewal of either ran meanwhile.
    const b = worker(B);
    b.leases.start();
    await eventually(
      () => ids(a).join() === wins(A, [A, B]).join() && ids(b).join() === wins(B, [A, B]).join(),
      'A and B to split the markets on announcements alone',
    );
    expect(wins(B, [A, B]).length).toBeGreaterThan(0);

    // A stops cleanly: it leaves, says so, and B takes the rest before any renewal of its own.
    await a.leases.stop();
    await eventually(() => ids(b).length === IDS.length, "B to take A's markets on its announcement");
    expect(await redis.zrange(workersKey(prefix), '0', '-1')).toEqual([B]);
    // Stopped, A no longer listens; B still does.
    expect(await redis.pubsub('NUMSUB', membershipChannel(prefix))).toEqual([membershipChannel(prefix), 1]);
  });
});
