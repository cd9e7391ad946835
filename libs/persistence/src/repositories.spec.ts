/**
 * The repositories against a real store: the embedded MongoDB-compatible server by default, a
 * real MongoDB when MONGODB_URI is set (`MONGODB_URI=mongodb://… npm run test:mongo`). The test
 * code is the same for both.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Connection } from 'mongoose';
import { storedCandleFactory, storedOrderBookFactory, storedResultFactory } from '@app/testing';
// By path: the testing index leaves mongoose and the embedded server out (0.5 s a suite).
import { openTestStore, type TestStore } from '../../testing/src/test-store.js';
import type { StoreRepositories } from './models.js';
import { isDuplicateKey, StoreInputError } from './persistence.errors.js';
import type { StoredCandle, StoredMarket, StoredResult } from './persistence.types.js';
import { COLLECTIONS } from './schemas/store.schemas.js';
import { indexedRepositories } from './testing/test-repositories.js';

const T0 = Date.UTC(2021, 1, 19);
/** Stored-at times are now, so the retention TTL (30 days) cannot expire test data mid-suite. */
const NOW = Date.now();
const MINUTE = 60_000;
const BTC: StoredMarket = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' };
const LTC: StoredMarket = { exchange: 'binance', symbol: 'LTC/USDT', timeframe: '1m' };
const ETH: StoredMarket = { exchange: 'kraken', symbol: 'ETH/USD', timeframe: '5m' };

/** The result of the candle `minute` minutes after T0; the result holds nested JSON with a null. */
const result = (market: StoredMarket, minute: number, score = 50 + minute): StoredResult =>
  storedResultFactory.build({
    ...market,
    candleTime: T0 + minute * MINUTE,
    score,
    result: { reasoning: `minute ${minute}`, nested: { values: [1, null, 2] } },
  });

/** The candle opening `minute` minutes after T0, told apart from its neighbours by its volume. */
const candle = (market: StoredMarket, minute: number): StoredCandle =>
  storedCandleFactory.build({ ...market, timestamp: T0 + minute * MINUTE, volume: minute, source: 'replay' });

let store: TestStore;
let connection: Connection;
let repos: StoreRepositories;

beforeAll(async () => {
  store = await openTestStore();
  connection = await store.connect();
  repos = await indexedRepositories(connection);
});

afterAll(async () => {
  await store.close();
});

describe('ResultRepository', () => {
  beforeAll(async () => {
    for (let minute = 0; minute < 25; minute++) await repos.results.save(result(BTC, minute), NOW);
    for (let minute = 0; minute < 3; minute++) await repos.results.save(result(LTC, minute), NOW);
  });

  it('returns the latest result of a market as a plain object, and null for an unknown one', async () => {
    const latest = await repos.results.latest(BTC);
    expect(latest).toEqual(result(BTC, 24));
    expect(Object.getPrototypeOf(latest)).toBe(Object.prototype);
    expect(await repos.results.latest(ETH)).toBeNull();
  });

  it('stores the domain result under format 1, and reads a document written before it (v1 rendering) as format 0', async () => {
    const raw = await connection
      .collection(COLLECTIONS.results)
      .findOne({ ...BTC, candleTime: new Date(T0) });
    expect(raw).toMatchObject({ format: 1, result: result(BTC, 0).result });
    expect(raw).not.toHaveProperty('breakdown');

    // A document as the store held results before: the rendering under `breakdown`, no format.
    const legacy = { ...BTC, timeframe: '5m', candleTime: new Date(T0) };
    const rendering = { score: 42.5, reasoning: 'rendered in v1', timeframes: [] };
    await connection.collection(COLLECTIONS.results).insertOne({
      ...legacy,
      computedAt: new Date(T0 + 300_000),
      storedAt: new Date(NOW),
      score: 42.5,
      label: 'NEUTRAL',
      confidence: 20,
      coverage: 0.5,
      staleness: 0,
      engineVersion: '1.0.0',
      configHash: 'c'.repeat(64),
      inputHash: 'd'.repeat(64),
      breakdown: rendering,
    });
    const read = await repos.results.latest({ ...BTC, timeframe: '5m' });
    expect(read).toMatchObject({ format: 0, result: rendering, score: 42.5 });

    // Written back (a repair re-saving what it read), it keeps its legacy field and reads the same.
    if (read === null) throw new Error('the legacy document was not read');
    await repos.results.save(read, NOW);
    expect(await repos.results.latest({ ...BTC, timeframe: '5m' })).toEqual(read);
    await connection.collection(COLLECTIONS.results).deleteMany({ ...BTC, timeframe: '5m' });
  });

  it('stores a candle’s result once: saving it again replaces it', async () => {
    await repos.results.save(result(BTC, 24, 99), NOW);
    expect((await repos.results.latest(BTC))?.score).toBe(99);
    expect(await connection.collection(COLLECTIONS.results).countDocuments(BTC)).toBe(25);
    await repos.results.save(result(BTC, 24), NOW);
  });

  it('pages history newest first with a cursor until the last page', async () => {
    const seen: number[] = [];
    let cursor: string | undefined;
    const sizes: number[] = [];
    do {
      const page = await repos.results.history({
        market: BTC,
        limit: 10,
        ...(cursor === undefined ? {} : { cursor }),
      });
      sizes.push(page.items.length);
      seen.push(...page.items.map((r) => (r.candleTime - T0) / MINUTE));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    expect(sizes).toEqual([10, 10, 5]);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => 24 - i));
  });

  it('limits history to a time range (inclusive) and keeps paging inside it', async () => {
    const first = await repos.results.history({
      market: BTC,
      from: T0 + 5 * MINUTE,
      to: T0 + 14 * MINUTE,
      limit: 6,
    });
    expect(first.items.map((r) => (r.candleTime - T0) / MINUTE)).toEqual([14, 13, 12, 11, 10, 9]);
    const second = await repos.results.history({
      market: BTC,
      from: T0 + 5 * MINUTE,
      to: T0 + 14 * MINUTE,
      limit: 6,
      cursor: first.nextCursor!,
    });
    expect(second.items.map((r) => (r.candleTime - T0) / MINUTE)).toEqual([8, 7, 6, 5]);
    expect(second.nextCursor).toBeNull();
  });

  it('refuses a cursor it did not issue, naming the field', async () => {
    await expect(repos.results.history({ market: BTC, limit: 5, cursor: 'not-a-cursor' })).rejects.toThrow(
      StoreInputError,
    );
    await expect(repos.results.history({ market: BTC, limit: 5, cursor: 'not-a-cursor' })).rejects.toThrow(
      /^cursor /,
    );
  });

  it('returns the latest of many markets in one query, in the order asked, skipping empty ones', async () => {
    const latest = await repos.results.latestForMarkets([LTC, ETH, BTC]);
    expect(latest.map((r) => [r.symbol, (r.candleTime - T0) / MINUTE])).toEqual([
      ['LTC/USDT', 2],
      ['BTC/USDT', 24],
    ]);
    expect(await repos.results.latestForMarkets([])).toEqual([]);
  });

  it('keeps results for the configured retention with a TTL index', async () => {
    const indexes = await connection.collection(COLLECTIONS.results).indexes();
    expect(indexes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'retention', expireAfterSeconds: 30 * 86_400 }),
        expect.objectContaining({ name: 'market_time', unique: true }),
      ]),
    );
  });
});

describe('SignalRepository', () => {
  beforeAll(async () => {
    await repos.signals.record(
      { ...BTC, time: T0, from: null, to: 'NEUTRAL', score: 50, confidence: 10 },
      NOW,
    );
    await repos.signals.record(
      { ...BTC, time: T0 + 10 * MINUTE, from: 'NEUTRAL', to: 'LONG', score: 64, confidence: 30 },
      NOW,
    );
    await repos.signals.record(
      { ...LTC, time: T0 + 5 * MINUTE, from: null, to: 'SHORT', score: 30, confidence: 20 },
      NOW,
    );
  });

  it('lists changes newest first, filtered by market and since', async () => {
    const all = await repos.signals.list({ limit: 10 });
    expect(all.map((s) => [s.symbol, s.to])).toEqual([
      ['BTC/USDT', 'LONG'],
      ['LTC/USDT', 'SHORT'],
      ['BTC/USDT', 'NEUTRAL'],
    ]);
    expect((await repos.signals.list({ symbol: 'BTC/USDT', limit: 10 })).map((s) => s.to)).toEqual([
      'LONG',
      'NEUTRAL',
    ]);
    expect((await repos.signals.list({ since: T0 + MINUTE, limit: 10 })).map((s) => s.to)).toEqual([
      'LONG',
      'SHORT',
    ]);
    expect(await repos.signals.list({ exchange: 'kraken', limit: 10 })).toEqual([]);
  });

  it('records a change once however often it is recorded, and knows the current label', async () => {
    await repos.signals.record(
      { ...BTC, time: T0 + 10 * MINUTE, from: 'NEUTRAL', to: 'LONG', score: 64, confidence: 30 },
      NOW,
    );
    expect(await repos.signals.list({ symbol: 'BTC/USDT', limit: 10 })).toHaveLength(2);
    expect((await repos.signals.latest(BTC))?.to).toBe('LONG');
    expect(await repos.signals.latest(ETH)).toBeNull();
  });
});

describe('CandleRepository', () => {
  it('upserts in bulk idempotently: a replayed batch adds nothing', async () => {
    const batch = Array.from({ length: 300 }, (_, i) => candle(ETH, i * 5));
    expect(await repos.candles.upsertMany(batch)).toBe(300);
    expect(await repos.candles.upsertMany([...batch.slice(100), candle(ETH, 1500)])).toBe(1);
    expect(await connection.collection(COLLECTIONS.candles).countDocuments(ETH)).toBe(301);
    expect(await repos.candles.upsertMany([])).toBe(0);
  });

  it('reads ranges oldest first and the latest N for rebuilding state', async () => {
    const range = await repos.candles.range({ market: ETH, from: T0 + 10 * MINUTE, to: T0 + 20 * MINUTE });
    expect(range.map((c) => (c.timestamp - T0) / MINUTE)).toEqual([10, 15, 20]);
    const latest = await repos.candles.latest(ETH, 3);
    expect(latest.map((c) => (c.timestamp - T0) / MINUTE)).toEqual([1490, 1495, 1500]);
    expect(latest[0]).toEqual(candle(ETH, 1490));
  });

  it('knows the open time of a stream’s newest candle, of one source when asked (where a restart resumes)', async () => {
    const stream = { exchange: 'binance', symbol: 'SOL/USDT', timeframe: '1m' } as const;
    expect(await repos.candles.lastOpenTime(stream)).toBeNull();
    const live = (minute: number): StoredCandle => ({ ...candle(stream, minute), source: 'live' });
    await repos.candles.upsertMany([live(1), live(2), candle(stream, 5), live(3)]);
    expect(await repos.candles.lastOpenTime(stream)).toBe(T0 + 5 * MINUTE);
    expect(await repos.candles.lastOpenTime(stream, 'live')).toBe(T0 + 3 * MINUTE);
    expect(await repos.candles.lastOpenTime({ ...stream, timeframe: '5m' }, 'live')).toBeNull();
  });

  it('enforces one candle per market and open time (E11000 duplicate key)', async () => {
    const collection = connection.collection(COLLECTIONS.candles);
    const duplicate = { ...candle(ETH, 0), timestamp: new Date(T0) };
    const error = await collection.insertOne(duplicate).catch((e: unknown) => e);
    expect(isDuplicateKey(error)).toBe(true);
    expect(String(error)).toMatch(/E11000 duplicate key error/);
  });
});

describe('OrderBookRepository', () => {
  const book = (second: number, bid: number) =>
    storedOrderBookFactory.build({
      timestamp: T0 + second * 1_000,
      sequence: 1_000 + second,
      bids: [
        { price: bid, size: 1.5 },
        { price: bid - 1, size: 2 },
      ],
      asks: [{ price: bid + 1, size: 0.25 }],
    });

  it('records snapshots once per market and time, and reads them back oldest first as they were', async () => {
    expect(await repos.orderBooks.record([book(0, 100), book(2, 101), book(1, 99)], NOW)).toBe(3);
    // A retried write of the same snapshots stores nothing twice.
    expect(await repos.orderBooks.record([book(1, 99), book(3, 102)], NOW)).toBe(1);
    const all = await repos.orderBooks.range({ exchange: 'binance', symbol: 'BTC/USDT' });
    expect(all.map((b) => b.sequence)).toEqual([1_000, 1_001, 1_002, 1_003]);
    expect(all[1]).toEqual(book(1, 99));
    const window = await repos.orderBooks.range({
      exchange: 'binance',
      symbol: 'BTC/USDT',
      from: T0 + 1_000,
      to: T0 + 2_000,
    });
    expect(window.map((b) => b.timestamp - T0)).toEqual([1_000, 2_000]);
    expect(await repos.orderBooks.record([], NOW)).toBe(0);
  });
});

describe('LLM cache and cost ledger', () => {
  it('serves a cached analysis until it expires', async () => {
    await repos.llmCache.put({
      key: 'k1',
      model: 'gpt-x',
      value: { label: 'NEUTRAL' },
      createdAt: T0,
      expiresAt: T0 + 60_000,
    });
    expect(await repos.llmCache.get('k1', T0 + 30_000)).toMatchObject({
      key: 'k1',
      value: { label: 'NEUTRAL' },
      expiresAt: T0 + 60_000,
    });
    expect(await repos.llmCache.get('k1', T0 + 60_000)).toBeNull();
    expect(await repos.llmCache.get('missing', T0)).toBeNull();
    const indexes = await connection.collection(COLLECTIONS.llmAnalyses).indexes();
    expect(indexes).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'expiry', expireAfterSeconds: 0 })]),
    );
  });

  it('adds charges atomically, each charge once even when retried', async () => {
    const charge = (opId: string) => ({
      opId,
      day: '2021-02-19',
      model: 'gpt-x',
      promptTokens: 100,
      completionTokens: 20,
      costUsd: 0.01,
    });
    await Promise.all(Array.from({ length: 20 }, (_, i) => repos.llmCosts.charge(charge(`op-${i}`))));
    await repos.llmCosts.charge(charge('op-3'));
    await repos.llmCosts.charge(charge('op-3'));
    const [ledger] = await repos.llmCosts.day('2021-02-19');
    expect(ledger).toMatchObject({
      day: '2021-02-19',
      model: 'gpt-x',
      requests: 20,
      promptTokens: 2000,
      completionTokens: 400,
    });
    expect(ledger!.costUsd).toBeCloseTo(0.2, 10);
    expect(await repos.llmCosts.day('2021-02-20')).toEqual([]);
  });
});
