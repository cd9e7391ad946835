/**
 * Forward validation's samples against a real store (embedded by default, MongoDB with
 * MONGODB_URI): idempotent upserts, opinions kept only for the same inputs, windows by time.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Connection } from 'mongoose';
import type { AvailableOpinion, ValidationSample } from '@app/contracts';
// By path: the testing index leaves mongoose and the embedded server out (0.5 s a suite).
import { openTestStore, type TestStore } from '../../testing/src/test-store.js';
import type { StoreRepositories } from './models.js';
import type { StoredMarket } from './persistence.types.js';
import { SAMPLE_COLLECTION } from './schemas/validation-sample.schema.js';
import { indexedRepositories } from './testing/test-repositories.js';

const T0 = Date.UTC(2021, 1, 19);
/** Stored-at times are now, so the retention TTL cannot expire test data mid-suite. */
const NOW = Date.now();
const MINUTE = 60_000;
const BTC: StoredMarket = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' };
const BTC_5M: StoredMarket = { ...BTC, timeframe: '5m' };

const sample = (
  market: StoredMarket,
  minute: number,
  overrides: Partial<ValidationSample> = {},
): ValidationSample => ({
  ...market,
  candleTime: T0 + minute * MINUTE,
  close: 51_000 + minute * 1.25,
  score: 40 + minute / 10,
  label: 'NEUTRAL',
  components: { technical: 55.5, volume: 47.25 },
  inputHash: `${String(minute).padStart(4, '0')}${'a'.repeat(60)}`,
  ...overrides,
});

const opinion = (about: ValidationSample, overrides: Partial<AvailableOpinion> = {}): AvailableOpinion => ({
  status: 'ok',
  signal: 'SHORT',
  confidence: 0.6,
  reasoning: 'momentum fading',
  risks: [],
  agrees: false,
  blended: { weight: 0.3, score: 38, label: 'SHORT' },
  model: 'gpt-x',
  promptVersion: 'v1',
  promptHash: 'p'.repeat(64),
  inputHash: about.inputHash,
  createdAt: about.candleTime + 90_000,
  cached: false,
  ...overrides,
});

let store: TestStore;
let connection: Connection;
let repos: StoreRepositories;

const count = (filter: object = {}) => connection.collection(SAMPLE_COLLECTION).countDocuments(filter);

beforeAll(async () => {
  store = await openTestStore();
  connection = await store.connect();
  repos = await indexedRepositories(connection);
  await repos.samples.saveMany(
    Array.from({ length: 30 }, (_, minute) => sample(BTC, minute)),
    NOW,
  );
});

afterAll(async () => {
  await store.close();
});

describe('ValidationSampleRepository', () => {
  it('reads back exactly what was written, oldest first, within [from, to]', async () => {
    const got = await repos.samples.range(BTC, T0 + 5 * MINUTE, T0 + 9 * MINUTE, 100);

    expect(got).toEqual([5, 6, 7, 8, 9].map((minute) => sample(BTC, minute)));
    // No `llm: undefined` key without an opinion: deep comparisons stay exact.
    expect(Object.keys(got[0] ?? {})).not.toContain('llm');
  });

  it('keeps the newest `limit` samples of the range', async () => {
    const got = await repos.samples.range(BTC, T0, T0 + 29 * MINUTE, 3);

    expect(got.map((s) => (s.candleTime - T0) / MINUTE)).toEqual([27, 28, 29]);
    expect(await repos.samples.newest(BTC)).toBe(T0 + 29 * MINUTE);
    expect(await repos.samples.newest(BTC_5M)).toBeNull();
  });

  it('stores each candle once however often it is written (retries, replays, takeovers)', async () => {
    const before = await count();
    await repos.samples.saveMany([sample(BTC, 3), sample(BTC, 4), sample(BTC, 3)], NOW + 1);
    await repos.samples.saveMany([sample(BTC, 3)], NOW + 2);

    expect(await count()).toBe(before);
    expect(await count({ ...BTC, candleTime: new Date(T0 + 3 * MINUTE) })).toBe(1);
  });

  it('records an available opinion’s labels on the sample of its inputs, and nothing for another', async () => {
    const about = sample(BTC, 10);
    expect(await repos.samples.attachOpinion(BTC, about.candleTime, opinion(about))).toBe(true);
    expect(
      await repos.samples.attachOpinion(BTC, about.candleTime + MINUTE, opinion(about, { signal: 'LONG' })),
    ).toBe(false);
    expect(
      await repos.samples.attachOpinion(BTC, about.candleTime, {
        status: 'unavailable',
        reason: 'busy',
        detail: 'queue full',
      }),
    ).toBe(false);

    const [got, next] = await repos.samples.range(BTC, about.candleTime, about.candleTime + MINUTE, 5);
    expect(got).toEqual({ ...about, llm: { label: 'SHORT', blended: 'SHORT' } });
    expect(next).toEqual(sample(BTC, 11));
  });

  it('leaves out the blended label when the opinion has none (blendWeight 0)', async () => {
    const about = sample(BTC, 12);
    const { blended: _blended, ...unblended } = opinion(about, { signal: 'LONG' });
    await repos.samples.attachOpinion(BTC, about.candleTime, unblended);

    const [got] = await repos.samples.range(BTC, about.candleTime, about.candleTime, 1);
    expect(got?.llm).toEqual({ label: 'LONG' });
  });

  it('keeps an opinion when the same inputs are stored again, drops it when other inputs replace them', async () => {
    const about = sample(BTC, 20);
    await repos.samples.attachOpinion(BTC, about.candleTime, opinion(about));
    const read = async () => (await repos.samples.range(BTC, about.candleTime, about.candleTime, 1))[0];

    await repos.samples.saveMany([about], NOW + 3);
    expect((await read())?.llm).toEqual({ label: 'SHORT', blended: 'SHORT' });

    const recomputed = sample(BTC, 20, { inputHash: 'f'.repeat(64), score: 71, label: 'LONG' });
    await repos.samples.saveMany([recomputed], NOW + 4);
    expect(await read()).toEqual(recomputed);
    // An opinion about the replaced inputs no longer attaches.
    expect(await repos.samples.attachOpinion(BTC, about.candleTime, opinion(about))).toBe(false);
  });
});
