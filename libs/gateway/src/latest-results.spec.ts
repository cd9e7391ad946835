import { describe, expect, it } from '@jest/globals';
import { streamRoom } from '@app/contracts';
import { type StoredMarket, type StoredResult, storedResult } from '@app/persistence';
import { ManualClock } from '@app/testing';
import {
  LATEST_MAX_AGE_MS,
  LatestResults,
  type LatestSource,
  OVERDUE_GRACE_MS,
  type ProjectedUpdate,
} from './latest-results.js';

const T0 = Date.UTC(2024, 2, 4, 12, 0);
const MINUTE = 60_000;

const BTC: StoredMarket = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' };
const LTC: StoredMarket = { exchange: 'binance', symbol: 'LTC/USDT', timeframe: '1m' };
const ETH: StoredMarket = { exchange: 'binance', symbol: 'ETH/USDT', timeframe: '1m' };
const SOL: StoredMarket = { exchange: 'binance', symbol: 'SOL/USDT', timeframe: '1m' };

/** A domain result's headline (all the projection reads of it) and what the store keeps of it. */
function headline(market: StoredMarket, candleTime: number, score = 50) {
  return {
    ...market,
    candleTime,
    computedAt: candleTime + MINUTE,
    score,
    label: 'NEUTRAL',
    confidence: 30,
    coverage: 0.4,
    staleness: 0,
    engineVersion: 'test',
    configHash: '0'.repeat(64),
    inputHash: '1'.repeat(64),
  } as const;
}

function stored(market: StoredMarket, candleTime: number, score = 50): StoredResult {
  return storedResult(headline(market, candleTime, score));
}

/** A candle update as the bus carries it: the stream, its candle and the domain result. */
function update(market: StoredMarket, candleTime: number, score = 50): ProjectedUpdate {
  return { ...market, candleTime, result: headline(market, candleTime, score) };
}

/**
 * The store, in memory: what `latest` answers is whatever `put` last set, and every read is
 * counted. `hold()` makes reads wait until `release()`, to line up concurrent requests.
 */
class FakeStore implements LatestSource {
  readonly #rows = new Map<string, StoredResult>();
  readonly latestCalls: string[] = [];
  readonly manyCalls: string[][] = [];
  #gate: Promise<void> | null = null;
  #open: (() => void) | null = null;

  put(result: StoredResult): void {
    this.#rows.set(streamRoom(result), result);
  }

  hold(): void {
    this.#gate = new Promise((resolve) => {
      this.#open = resolve;
    });
  }

  release(): void {
    this.#open?.();
    this.#gate = null;
    this.#open = null;
  }

  async latest(market: StoredMarket): Promise<StoredResult | null> {
    this.latestCalls.push(streamRoom(market));
    if (this.#gate !== null) await this.#gate;
    return this.#rows.get(streamRoom(market)) ?? null;
  }

  async latestForMarkets(markets: readonly StoredMarket[]): Promise<StoredResult[]> {
    this.manyCalls.push(markets.map(streamRoom));
    if (this.#gate !== null) await this.#gate;
    return markets.flatMap((market) => {
      const row = this.#rows.get(streamRoom(market));
      return row === undefined ? [] : [row];
    });
  }
}

function setup(maxEntries?: number): { cache: LatestResults; store: FakeStore; clock: ManualClock } {
  const store = new FakeStore();
  const clock = new ManualClock(T0);
  const cache = new LatestResults(store, () => clock.now(), maxEntries);
  return { cache, store, clock };
}

describe('LatestResults before the bus has fed a stream', () => {
  it('reads the store once and answers from memory for LATEST_MAX_AGE_MS', async () => {
    const { cache, store, clock } = setup();
    store.put(stored(BTC, T0, 61));
    expect(await cache.get(BTC)).toMatchObject({ candleTime: T0, score: 61 });
    clock.advance(LATEST_MAX_AGE_MS);
    store.put(stored(BTC, T0 + MINUTE, 62));
    expect(await cache.get(BTC)).toMatchObject({ candleTime: T0, score: 61 });
    expect(store.latestCalls).toHaveLength(1);
  });

  it('reads the store again once the answer is older than LATEST_MAX_AGE_MS (a stream only clients store)', async () => {
    const { cache, store, clock } = setup();
    store.put(stored(BTC, T0, 61));
    await cache.get(BTC);
    store.put(stored(BTC, T0 + MINUTE, 62));
    clock.advance(LATEST_MAX_AGE_MS + 1);
    expect(await cache.get(BTC)).toMatchObject({ candleTime: T0 + MINUTE, score: 62 });
    expect(store.latestCalls).toHaveLength(2);
    expect(await cache.get(BTC)).toMatchObject({ score: 62 });
    expect(store.latestCalls).toHaveLength(2);
  });

  it('keeps streams apart', async () => {
    const { cache, store } = setup();
    store.put(stored(BTC, T0, 10));
    store.put(stored(LTC, T0, 90));
    expect(await cache.get(BTC)).toMatchObject({ symbol: 'BTC/USDT', score: 10 });
    expect(await cache.get(LTC)).toMatchObject({ symbol: 'LTC/USDT', score: 90 });
    expect(await cache.get({ ...BTC, timeframe: '5m' })).toBeNull();
    expect(store.latestCalls).toEqual([streamRoom(BTC), streamRoom(LTC), 'binance:BTC/USDT:5m']);
  });

  it('shares one store read between concurrent misses of a stream', async () => {
    const { cache, store } = setup();
    store.put(stored(BTC, T0, 61));
    store.hold();
    const answers = Promise.all([cache.get(BTC), cache.get(BTC), cache.get(BTC), cache.get(LTC)]);
    store.release();
    const [a, b, c, ltc] = await answers;
    expect(store.latestCalls).toEqual([streamRoom(BTC), streamRoom(LTC)]);
    expect(a).toMatchObject({ score: 61 });
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(ltc).toBeNull();
  });

  it('lets a failed read reject every waiter and the next get try again', async () => {
    const store = new FakeStore();
    let failures = 1;
    const flaky: LatestSource = {
      latest: (market) => {
        failures -= 1;
        return failures >= 0 ? Promise.reject(new Error('store down')) : store.latest(market);
      },
      latestForMarkets: (markets) => store.latestForMarkets(markets),
    };
    const clock = new ManualClock(T0);
    const retrying = new LatestResults(flaky, () => clock.now());
    store.put(stored(BTC, T0, 61));
    await expect(Promise.all([retrying.get(BTC), retrying.get(BTC)])).rejects.toThrow('store down');
    expect(await retrying.get(BTC)).toMatchObject({ score: 61 });
  });

  it('measures a read’s age from when it started, not when it finished', async () => {
    const { cache, store, clock } = setup();
    store.put(stored(BTC, T0, 61));
    store.hold();
    const pending = cache.get(BTC);
    clock.advance(LATEST_MAX_AGE_MS);
    store.release();
    await pending;
    clock.advance(1);
    await cache.get(BTC);
    expect(store.latestCalls).toHaveLength(2);
  });
});

describe('LatestResults as a projection of the bus', () => {
  it('answers a candle update’s result without reading the store, as the store would hold it', async () => {
    const { cache, store } = setup();
    expect(cache.project(update(BTC, T0, 61))).toBe(true);

    expect(await cache.get(BTC)).toEqual(stored(BTC, T0, 61));
    expect(await cache.getMany([BTC])).toEqual([stored(BTC, T0, 61)]);
    expect(store.latestCalls).toEqual([]);
    expect(store.manyCalls).toEqual([]);
  });

  it('replaces a cached "no result yet" at once, the store still empty (published before stored)', async () => {
    const { cache, store } = setup();
    expect(await cache.get(BTC)).toBeNull();
    cache.project(update(BTC, T0, 70));
    expect(await cache.get(BTC)).toMatchObject({ candleTime: T0, score: 70 });
    expect(store.latestCalls).toHaveLength(1);
  });

  it('keeps the newest candle whatever order updates arrive in; the same candle again replaces it', async () => {
    const { cache } = setup();
    cache.project(update(BTC, T0 + 2 * MINUTE, 72));
    cache.project(update(BTC, T0 + MINUTE, 71));
    expect(await cache.get(BTC)).toMatchObject({ candleTime: T0 + 2 * MINUTE, score: 72 });
    cache.project(update(BTC, T0 + 2 * MINUTE, 73));
    expect(await cache.get(BTC)).toMatchObject({ candleTime: T0 + 2 * MINUTE, score: 73 });
  });

  it('serves a projected result until its next one is overdue, then asks the store at most every LATEST_MAX_AGE_MS', async () => {
    const { cache, store, clock } = setup();
    clock.set(T0 + MINUTE);
    cache.project(update(BTC, T0, 61));
    // The next result (candle T0+1m) is due at T0 + 2m; a missed message goes unnoticed until then + grace.
    clock.set(T0 + 2 * MINUTE + OVERDUE_GRACE_MS);
    expect(await cache.get(BTC)).toMatchObject({ candleTime: T0 });
    expect(store.latestCalls).toHaveLength(0);
    clock.advance(1);
    // Overdue, and the store has nothing newer (a halted market): the projected result stays.
    expect(await cache.get(BTC)).toMatchObject({ candleTime: T0, score: 61 });
    expect(await cache.get(BTC)).toMatchObject({ candleTime: T0 });
    expect(store.latestCalls).toHaveLength(1);
    // The update of T0+1m was missed (a Redis reconnect) but stored: the next check finds it.
    store.put(stored(BTC, T0 + MINUTE, 62));
    clock.advance(LATEST_MAX_AGE_MS + 1);
    expect(await cache.get(BTC)).toMatchObject({ candleTime: T0 + MINUTE, score: 62 });
    expect(store.latestCalls).toHaveLength(2);
  });

  it('never lets a store read replace a newer projected result', async () => {
    const { cache, store } = setup();
    store.put(stored(BTC, T0, 61));
    store.hold();
    const pending = cache.get(BTC);
    // The bus delivers T0+1m while the cold read (which finds T0) is in flight.
    cache.project(update(BTC, T0 + MINUTE, 70));
    store.release();
    expect(await pending).toMatchObject({ candleTime: T0 + MINUTE, score: 70 });
    expect(await cache.get(BTC)).toMatchObject({ candleTime: T0 + MINUTE, score: 70 });
    expect(store.latestCalls).toHaveLength(1);
  });

  it.each([
    ['no result', { ...BTC, candleTime: T0 }],
    ['the result of another candle', { ...update(BTC, T0), candleTime: T0 + MINUTE }],
    ['the result of another stream', { ...update(LTC, T0), ...BTC }],
    [
      'a result without its headline',
      { ...BTC, candleTime: T0, result: { ...headline(BTC, T0), score: '61' } },
    ],
    [
      'a result with an unknown label',
      { ...BTC, candleTime: T0, result: { ...headline(BTC, T0), label: 'UP' } },
    ],
  ] as [string, ProjectedUpdate][])(
    'refuses an update carrying %s and reads that stream from the store',
    async (_, bad) => {
      const { cache, store } = setup();
      cache.project(update(BTC, T0 - MINUTE, 40));
      store.put(stored(BTC, T0 - MINUTE, 41));

      expect(cache.project(bad)).toBe(false);
      expect(await cache.get(BTC)).toMatchObject({ candleTime: T0 - MINUTE, score: 41 });
      expect(store.latestCalls).toHaveLength(1);
    },
  );
});

describe('LatestResults getMany', () => {
  it('answers held streams from memory and the rest in one store query, in request order', async () => {
    const { cache, store } = setup();
    store.put(stored(BTC, T0, 10));
    store.put(stored(LTC, T0, 20));
    store.put(stored(ETH, T0, 30));
    await cache.get(LTC);
    cache.project(update(SOL, T0, 40));
    const answers = await cache.getMany([ETH, LTC, SOL, BTC]);
    expect(answers.map((answer) => answer?.score ?? null)).toEqual([30, 20, 40, 10]);
    expect(store.manyCalls).toEqual([[streamRoom(ETH), streamRoom(BTC)]]);
    expect(store.latestCalls).toEqual([streamRoom(LTC)]);
  });

  it('caches what it fetched, including a missing stream, for the next get and getMany', async () => {
    const { cache, store } = setup();
    store.put(stored(BTC, T0, 10));
    await cache.getMany([BTC, SOL]);
    expect(await cache.get(BTC)).toMatchObject({ score: 10 });
    expect(await cache.get(SOL)).toBeNull();
    expect(await cache.getMany([SOL, BTC])).toEqual([null, expect.objectContaining({ score: 10 })]);
    expect(store.latestCalls).toHaveLength(0);
    expect(store.manyCalls).toHaveLength(1);
  });

  it('queries nothing when every stream is held', async () => {
    const { cache, store } = setup();
    store.put(stored(BTC, T0, 10));
    await cache.get(BTC);
    await cache.get(LTC);
    expect((await cache.getMany([LTC, BTC])).map((answer) => answer?.score ?? null)).toEqual([null, 10]);
    expect(store.manyCalls).toHaveLength(0);
    expect(await cache.getMany([])).toEqual([]);
    expect(store.manyCalls).toHaveLength(0);
  });

  it('answers a stream asked twice twice', async () => {
    const { cache, store } = setup();
    store.put(stored(BTC, T0, 10));
    expect((await cache.getMany([BTC, LTC, BTC])).map((answer) => answer?.score ?? null)).toEqual([
      10,
      null,
      10,
    ]);
  });

  it('keeps a projected result newer than what the store query finds', async () => {
    const { cache, store, clock } = setup();
    store.put(stored(BTC, T0, 10));
    store.hold();
    const pending = cache.getMany([BTC]);
    cache.project(update(BTC, T0 + MINUTE, 11));
    store.release();
    expect((await pending).map((answer) => answer?.score)).toEqual([11]);
    clock.advance(LATEST_MAX_AGE_MS + 1);
    expect((await cache.getMany([BTC])).map((answer) => answer?.score)).toEqual([11]);
    expect(store.manyCalls).toHaveLength(1);
  });
});

describe('LatestResults size bound', () => {
  it('evicts the oldest entry past maxEntries', async () => {
    const { cache, store } = setup(2);
    for (const market of [BTC, LTC, ETH]) store.put(stored(market, T0));
    await cache.get(BTC);
    await cache.get(LTC);
    await cache.get(ETH);
    expect(store.latestCalls).toHaveLength(3);
    // LTC and ETH are held; BTC was evicted, so asking for it reads the store (and evicts LTC).
    await cache.get(ETH);
    await cache.get(LTC);
    expect(store.latestCalls).toHaveLength(3);
    await cache.get(BTC);
    expect(store.latestCalls).toHaveLength(4);
    await cache.get(ETH);
    expect(store.latestCalls).toHaveLength(4);
    await cache.get(LTC);
    expect(store.latestCalls).toHaveLength(5);
  });

  it('evicts nothing when a stream already held is replaced at the bound', async () => {
    const { cache, store } = setup(2);
    for (const market of [BTC, LTC]) store.put(stored(market, T0));
    await cache.get(BTC);
    await cache.get(LTC);
    cache.project(update(LTC, T0 + MINUTE));
    expect(await cache.get(LTC)).toMatchObject({ candleTime: T0 + MINUTE });
    await cache.get(BTC);
    expect(store.latestCalls).toHaveLength(2);
  });
});
