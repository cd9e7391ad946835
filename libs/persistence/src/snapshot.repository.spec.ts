/** The snapshot repository against a real store (embedded by default, MongoDB with MONGODB_URI). */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
// By path: the testing index leaves mongoose and the embedded server out (0.5 s a suite).
import { openTestStore, type TestStore } from '../../testing/src/test-store.js';
import type { StoreRepositories } from './models.js';
import type { SavedSnapshot } from './repositories/snapshot.repository.js';
import { indexedRepositories } from './testing/test-repositories.js';

const T0 = Date.UTC(2021, 1, 19);

const snapshot = (overrides: Partial<SavedSnapshot> = {}): SavedSnapshot => ({
  exchange: 'binance',
  symbol: 'BTC/USDT',
  offset: `${T0}-0`,
  position: { '1m': T0 - 60_000, '5m': T0 - 300_000 },
  labels: { '1m': 'LONG' },
  engineVersion: '1.0.0',
  configHash: 'abc',
  takenAt: T0 + 5,
  // Doubles that JSON prints exactly, and text a BSON round trip must not alter.
  data: JSON.stringify({ values: [0.1 + 0.2, 1e-300, -123.456], text: 'é\u0000x' }),
  ...overrides,
});

let store: TestStore;
let repos: StoreRepositories;

beforeAll(async () => {
  store = await openTestStore();
  const connection = await store.connect();
  repos = await indexedRepositories(connection);
});

afterAll(async () => {
  await store.close();
});

describe('SnapshotRepository', () => {
  it('returns null for a market with no snapshot', async () => {
    expect(await repos.snapshots.load({ exchange: 'binance', symbol: 'NONE/USDT' })).toBeNull();
  });

  it('stores a snapshot and returns it as it was given', async () => {
    const saved = snapshot({ symbol: 'ETH/USDT' });
    expect(await repos.snapshots.save(saved)).toBe(true);
    expect(await repos.snapshots.load({ exchange: 'binance', symbol: 'ETH/USDT' })).toEqual(saved);
  });

  it('replaces an older snapshot and never a newer one (by log offset)', async () => {
    const market = { exchange: 'bybit', symbol: 'BTC/USDT' };
    const at = (offset: string, data: string): SavedSnapshot => snapshot({ ...market, offset, data });
    expect(await repos.snapshots.save(at(`${T0}-3`, '"first"'))).toBe(true);
    // Same millisecond, later sequence: newer.
    expect(await repos.snapshots.save(at(`${T0}-10`, '"second"'))).toBe(true);
    // A worker that lost the market writes an older state late: refused.
    expect(await repos.snapshots.save(at(`${T0}-9`, '"stale"'))).toBe(false);
    expect(await repos.snapshots.save(at(`${T0 - 1}-99`, '"staler"'))).toBe(false);
    expect((await repos.snapshots.load(market))?.data).toBe('"second"');
    // Rewriting the same offset (a retried write) is allowed.
    expect(await repos.snapshots.save(at(`${T0}-10`, '"second again"'))).toBe(true);
    expect(await repos.snapshots.save(at(`${T0 + 1}-0`, '"third"'))).toBe(true);
    expect((await repos.snapshots.load(market))?.data).toBe('"third"');
  });

  it('orders snapshots without a log offset by their newest candle', async () => {
    const market = { exchange: 'kraken', symbol: 'BTC/USD' };
    const at = (minute: number, data: string): SavedSnapshot =>
      snapshot({ ...market, offset: null, position: { '1m': T0 + minute * 60_000 }, data });
    expect(await repos.snapshots.save(at(10, '"ten"'))).toBe(true);
    expect(await repos.snapshots.save(at(5, '"five"'))).toBe(false);
    expect(await repos.snapshots.save(at(11, '"eleven"'))).toBe(true);
    expect(await repos.snapshots.load(market)).toMatchObject({ offset: null, data: '"eleven"' });
  });
});
