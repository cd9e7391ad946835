/**
 * Opinions attached to stored results, against a real store (embedded by default, MongoDB with
 * MONGODB_URI): read back by every result read, kept by a re-store of the same inputs, dropped by
 * a re-store of other inputs.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Connection } from 'mongoose';
import type { AvailableOpinion, UnavailableOpinion } from '@app/contracts';
import { storedResultFactory } from '@app/testing';
// By path: the testing index leaves mongoose and the embedded server out (0.5 s a suite).
import { openTestStore, type TestStore } from '../../testing/src/test-store.js';
import type { StoreRepositories } from './models.js';
import { ResultFormat, type StoredMarket, type StoredResult } from './persistence.types.js';
import { COLLECTIONS } from './schemas/store.schemas.js';
import { indexedRepositories } from './testing/test-repositories.js';

const T0 = Date.UTC(2021, 1, 19);
/** Stored-at times are now, so the retention TTL (30 days) cannot expire test data mid-suite. */
const NOW = Date.now();
const MINUTE = 60_000;
const BTC: StoredMarket = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' };
const ETH: StoredMarket = { exchange: 'kraken', symbol: 'ETH/USD', timeframe: '1m' };

const result = (market: StoredMarket, minute: number, overrides: Partial<StoredResult> = {}): StoredResult =>
  storedResultFactory.build({
    ...market,
    candleTime: T0 + minute * MINUTE,
    score: 60 + minute,
    result: { reasoning: `minute ${minute}`, nested: { values: [1, null, 2] } },
    ...overrides,
  });

const opinion = (about: StoredResult, overrides: Partial<AvailableOpinion> = {}): AvailableOpinion => ({
  status: 'ok',
  signal: 'LONG',
  confidence: 0.7,
  reasoning: 'momentum and volume agree',
  risks: ['thin order book', 'funding turning'],
  agrees: about.label === 'LONG',
  blended: { weight: 0.25, score: 64.25, label: 'LONG' },
  model: 'gpt-x',
  promptVersion: 'v1',
  promptHash: 'p'.repeat(64),
  inputHash: about.inputHash,
  createdAt: about.computedAt + 1_500,
  cached: false,
  ...overrides,
});

const unavailable: UnavailableOpinion = {
  status: 'unavailable',
  reason: 'budget-exhausted',
  detail: 'the daily budget of 5 USD is spent',
};

let store: TestStore;
let connection: Connection;
let repos: StoreRepositories;
/** Update commands sent to the store, counted from the driver's command events. */
let updateCommands = 0;

const raw = (market: StoredMarket, minute: number) =>
  connection
    .collection(COLLECTIONS.results)
    .findOne({ ...market, candleTime: new Date(T0 + minute * MINUTE) });

beforeAll(async () => {
  store = await openTestStore();
  connection = await store.connect({ monitorCommands: true });
  connection.getClient().on('commandStarted', (event) => {
    if (event.commandName === 'update') updateCommands++;
  });
  repos = await indexedRepositories(connection);
  await repos.results.saveMany(
    Array.from({ length: 5 }, (_, minute) => result(BTC, minute)),
    NOW,
  );
});

afterAll(async () => {
  await store.close();
});

describe('ResultRepository.attachOpinion', () => {
  it('attaches an opinion that latest, history and latestForMarkets return exactly, and leaves the others without one', async () => {
    const stored = result(BTC, 4);
    const attached = opinion(stored);
    expect(await repos.results.attachOpinion(BTC, stored.candleTime, attached)).toBe(true);

    expect(await repos.results.latest(BTC)).toEqual({ ...stored, llm: attached });
    const page = await repos.results.history({ market: BTC, limit: 2 });
    expect(page.items).toEqual([{ ...stored, llm: attached }, result(BTC, 3)]);
    // No `llm: undefined` key on a result without an opinion: deep comparisons stay exact.
    expect(Object.keys(page.items[1] ?? {})).not.toContain('llm');
    expect(await repos.results.latestForMarkets([BTC])).toEqual([{ ...stored, llm: attached }]);
    expect((await raw(BTC, 4))?.llm).toEqual(attached);
  });

  it('attaches an unavailable opinion whatever the inputs, and an available one replaces it', async () => {
    const stored = result(BTC, 3);
    const read = async () =>
      (await repos.results.history({ market: BTC, from: stored.candleTime, to: stored.candleTime, limit: 5 }))
        .items;

    expect(await repos.results.attachOpinion(BTC, stored.candleTime, unavailable)).toBe(true);
    expect(await read()).toEqual([{ ...stored, llm: unavailable }]);
    expect(await repos.results.attachOpinion(BTC, stored.candleTime, opinion(stored))).toBe(true);
    expect(await read()).toEqual([{ ...stored, llm: opinion(stored) }]);
  });

  it('never lets an unavailable opinion (a later failed ask) replace an available one', async () => {
    const stored = result(BTC, 4);
    await repos.results.attachOpinion(BTC, stored.candleTime, opinion(stored));

    expect(await repos.results.attachOpinion(BTC, stored.candleTime, unavailable)).toBe(false);
    const page = await repos.results.history({
      market: BTC,
      from: stored.candleTime,
      to: stored.candleTime,
      limit: 5,
    });
    expect(page.items).toEqual([{ ...stored, llm: opinion(stored) }]);
  });

  it('returns false for a candle without a stored result, and creates nothing', async () => {
    const before = await connection.collection(COLLECTIONS.results).countDocuments();
    expect(await repos.results.attachOpinion(BTC, T0 + 99 * MINUTE, unavailable)).toBe(false);
    expect(await repos.results.attachOpinion(ETH, T0, unavailable)).toBe(false);
    expect(await connection.collection(COLLECTIONS.results).countDocuments()).toBe(before);
    expect(await repos.results.latest(ETH)).toBeNull();
  });

  it('refuses an available opinion about other inputs than the stored result’s (false, nothing changed)', async () => {
    const stored = result(BTC, 2);
    const stale = opinion(stored, { inputHash: 'e'.repeat(64) });
    expect(await repos.results.attachOpinion(BTC, stored.candleTime, stale)).toBe(false);
    expect(await raw(BTC, 2)).not.toHaveProperty('llm');
  });
});

describe('ResultRepository.saveMany with attached opinions', () => {
  it('keeps the opinion when the same inputs are stored again (a retry, a new owner after a takeover)', async () => {
    const stored = result(BTC, 1);
    const attached = opinion(stored);
    expect(await repos.results.attachOpinion(BTC, stored.candleTime, attached)).toBe(true);

    await repos.results.save(stored, NOW);
    // A new owner recomputes the candle from the same inputs: the same hash, another computing time.
    const recomputed = result(BTC, 1, { computedAt: stored.computedAt + 5_000 });
    await repos.results.saveMany([result(BTC, 0), recomputed], NOW + 1_000);
    // A repair writing back what it read (the opinion included) keeps it too.
    const read = await repos.results.latest(BTC);
    if (read === null) throw new Error('nothing stored');
    await repos.results.save(read, NOW + 2_000);

    const page = await repos.results.history({
      market: BTC,
      from: stored.candleTime,
      to: stored.candleTime,
      limit: 5,
    });
    expect(page.items).toEqual([{ ...recomputed, llm: attached }]);
    expect(await connection.collection(COLLECTIONS.results).countDocuments(BTC)).toBe(5);
  });

  it('drops the opinion when the candle is stored again from other inputs', async () => {
    const stored = result(BTC, 0);
    expect(await repos.results.attachOpinion(BTC, stored.candleTime, opinion(stored))).toBe(true);
    const other = result(BTC, 0, { inputHash: 'f'.repeat(64), score: 20, label: 'SHORT' });
    await repos.results.saveMany([other], NOW);

    const page = await repos.results.history({
      market: BTC,
      from: stored.candleTime,
      to: stored.candleTime,
      limit: 5,
    });
    expect(page.items).toEqual([other]);
    expect(await raw(BTC, 0)).not.toHaveProperty('llm');
    // The opinion about the old inputs can no longer be attached either.
    expect(await repos.results.attachOpinion(BTC, stored.candleTime, opinion(stored))).toBe(false);
  });

  it('drops an unavailable opinion too when the inputs change, and keeps it when they do not', async () => {
    const stored = result(ETH, 0);
    await repos.results.save(stored, NOW);
    expect(await repos.results.attachOpinion(ETH, stored.candleTime, unavailable)).toBe(true);
    await repos.results.save(stored, NOW);
    expect(await repos.results.latest(ETH)).toEqual({ ...stored, llm: unavailable });
    const other = result(ETH, 0, { inputHash: '0'.repeat(64) });
    await repos.results.save(other, NOW);
    expect(await repos.results.latest(ETH)).toEqual(other);
  });

  it('stores a batch in one round trip, idempotently, leaving no field of the other format behind', async () => {
    const batch = [10, 11, 12].map((minute) => result(ETH, minute));
    const before = updateCommands;
    await repos.results.saveMany(batch, NOW);
    expect(updateCommands - before).toBe(1);
    await repos.results.saveMany(batch, NOW);
    expect(await connection.collection(COLLECTIONS.results).countDocuments(ETH)).toBe(4);
    expect((await repos.results.history({ market: ETH, from: T0 + 10 * MINUTE, limit: 5 })).items).toEqual(
      [...batch].reverse(),
    );

    // The same candle stored as a legacy rendering, then as a domain result again.
    const legacy: StoredResult = {
      ...result(ETH, 12),
      format: ResultFormat.RenderedV1,
      result: { score: 72 },
    };
    await repos.results.save(legacy, NOW);
    expect(await raw(ETH, 12)).toMatchObject({ breakdown: { score: 72 } });
    expect(await raw(ETH, 12)).not.toHaveProperty('format');
    expect(await raw(ETH, 12)).not.toHaveProperty('result');
    expect(await repos.results.latest(ETH)).toEqual(legacy);
    await repos.results.save(result(ETH, 12), NOW);
    expect(await raw(ETH, 12)).not.toHaveProperty('breakdown');
    expect(await repos.results.latest(ETH)).toEqual(result(ETH, 12));
  });
});
