import { describe, expect, it } from '@jest/globals';
import { streamRoom } from '@app/contracts';
import type { StoredMarket, StoredResult } from '@app/persistence';
import { ManualClock } from '@app/testing';
import { LATEST_MAX_AGE_MS, LatestResults, type LatestSource } from './latest-results.js';

const T0 = Date.UTC(2024, 2, 4, 12, 0);
const MINUTE = 60_000;

const BTC: StoredMarket = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' };
const LTC: StoredMarket = { exchange: 'binance', symbol: 'LTC/USDT', timeframe: '1m' };
const ETH: StoredMarket = { exchange: 'binance', symbol: 'ETH/USDT', timeframe: '1m' };
const SOL: StoredMarket = { exchange: 'binance', symbol: 'SOL/USDT', timeframe: '1m' };

function stored(market: StoredMarket, candleTime: number, score = 50): StoredResult {
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
    format: 1,
    result: {},
  };
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

describe('LatestResults get', () => {
  it('reads the store once and answers from memory for LATEST_MAX_AGE_MS', async () => {
    const { cache, store, clock } = setup();
    store.put(stored(BTC, T0, 61));
    expect(await cache.get(BTC)).toMatchObject({ candleTime: T0, score: 61 });
    clock.advance(LATEST_MAX_AGE_MS);
    store.put(stored(BTC, T0 + MINUTE, 62));
    // Still the cached answer: no announcement, not yet too old.
    expect(await cache.get(BTC)).toMatchObject({ candleTime: T0, score: 61 });
    expect(store.latestCalls).toHaveLength(1);
  });

  it('reads the store again once the cached answer is older than LATEST_MAX_AGE_MS', async () => {
    const { cache, store, clock } = setup();
    store.put(stored(BTC, T0, 61));
    await cache.get(BTC);
    store.put(stored(BTC, T0 + MINUTE, 62));
    clock.advance(LATEST_MAX_AGE_MS + 1);
    expect(await cache.get(BTC)).toMatchObject({ candleTime: T0 + MINUTE, score: 62 });
    expect(store.latestCalls).toHaveLength(2);
    // And caches the new one.
    expect(await cache.get(BTC)).toMatchObject({ score: 62 });
    expect(store.latestCalls).toHaveLength(2);
  });

  it('caches "no result yet" too, until the stream announces one', async () => {
    const { cache, store } = setup();
    expect(await cache.get(BTC)).toBeNull();
    expect(await cache.get(BTC)).toBeNull();
    expect(store.latestCalls).toHaveLength(1);
    store.put(stored(BTC, T0));
    cache.announce(BTC, T0);
    expect(await cache.get(BTC)).toMatchObject({ candleTime: T0 });
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

  it('reads the store again at once when a newer candle result is announced', async () => {
    const { cache, store } = setup();
    store.put(stored(BTC, T0, 61));
    await cache.get(BTC);
    store.put(stored(BTC, T0 + MINUTE, 70));
    cache.announce(BTC, T0 + MINUTE);
    expect(await cache.get(BTC)).toMatchObject({ candleTime: T0 + MINUTE, score: 70 });
    expect(store.latestCalls).toHaveLength(2);
    expect(await cache.get(BTC)).toMatchObject({ score: 70 });
    expect(store.latestCalls).toHaveLength(2);
  });

  it('ignores an announcement no newer than the cached result', async () => {
    const { cache, store } = setup();
    store.put(stored(BTC, T0, 61));
    await cache.get(BTC);
    cache.announce(BTC, T0);
    cache.announce(BTC, T0 - MINUTE);
    await cache.get(BTC);
    expect(store.latestCalls).toHaveLength(1);
  });

  it('remembers the newest announcement, whatever order they arrive in', async () => {
    const { cache, store } = setup();
    cache.announce(BTC, T0 + 2 * MINUTE);
    cache.announce(BTC, T0 + MINUTE);
    store.put(stored(BTC, T0 + MINUTE));
    // The store holds T0+1 but T0+2 was announced: served, not cached.
    await cache.get(BTC);
    await cache.get(BTC);
    expect(store.latestCalls).toHaveLength(2);
    store.put(stored(BTC, T0 + 2 * MINUTE));
    await cache.get(BTC);
    await cache.get(BTC);
    expect(store.latestCalls).toHaveLength(3);
  });

  it('serves a result older than announced (published before stored) without caching it', async () => {
    const { cache, store } = setup();
    store.put(stored(BTC, T0, 61));
    await cache.get(BTC);
    // The worker published T0+1 before its write reached the store.
    cache.announce(BTC, T0 + MINUTE);
    expect(await cache.get(BTC)).toMatchObject({ candleTime: T0, score: 61 });
    expect(await cache.get(BTC)).toMatchObject({ candleTime: T0, score: 61 });
    expect(store.latestCalls).toHaveLength(3);
    // The write lands: the next read sees it, and from then on it is cached.
    store.put(stored(BTC, T0 + MINUTE, 70));
    expect(await cache.get(BTC)).toMatchObject({ candleTime: T0 + MINUTE, score: 70 });
    expect(await cache.get(BTC)).toMatchObject({ candleTime: T0 + MINUTE, score: 70 });
    expect(store.latestCalls).toHaveLength(4);
  });

  it('does not cache "no result" once a result was announced', async () => {
    const { cache, store } = setup();
    cache.announce(BTC, T0);
    expect(await cache.get(BTC)).toBeNull();
    expect(await cache.get(BTC)).toBeNull();
    expect(store.latestCalls).toHaveLength(2);
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

  it('starts a new read once the shared one has settled', async () => {
    const { cache, store } = setup();
    cache.announce(BTC, T0);
    // Announced but not stored: nothing is cached, so every sequential get is a read.
    await Promise.all([cache.get(BTC), cache.get(BTC)]);
    await cache.get(BTC);
    expect(store.latestCalls).toHaveLength(2);
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

describe('LatestResults getMany', () => {
  it('answers cached streams from memory and the rest in one store query, in request order', async () => {
    const { cache, store } = setup();
    store.put(stored(BTC, T0, 10));
    store.put(stored(LTC, T0, 20));
    store.put(stored(ETH, T0, 30));
    await cache.get(LTC);
    const answers = await cache.getMany([ETH, LTC, SOL, BTC]);
    expect(answers.map((answer) => answer?.score ?? null)).toEqual([30, 20, null, 10]);
    expect(store.manyCalls).toEqual([[streamRoom(ETH), streamRoom(SOL), streamRoom(BTC)]]);
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

  it('queries nothing when every stream is cached', async () => {
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

  it('refetches announced and expired streams, and does not cache one older than announced', async () => {
    const { cache, store, clock } = setup();
    store.put(stored(BTC, T0, 10));
    store.put(stored(LTC, T0, 20));
    store.put(stored(ETH, T0, 30));
    await cache.getMany([BTC, LTC, ETH]);
    cache.announce(BTC, T0 + MINUTE);
    // The store has not received BTC's T0+1 result yet.
    expect((await cache.getMany([BTC, LTC])).map((answer) => answer?.score ?? null)).toEqual([10, 20]);
    expect(store.manyCalls.at(-1)).toEqual([streamRoom(BTC)]);
    expect((await cache.getMany([BTC])).map((answer) => answer?.score ?? null)).toEqual([10]);
    expect(store.manyCalls.at(-1)).toEqual([streamRoom(BTC)]);
    clock.advance(LATEST_MAX_AGE_MS + 1);
    await cache.getMany([LTC, ETH]);
    expect(store.manyCalls.at(-1)).toEqual([streamRoom(LTC), streamRoom(ETH)]);
    expect(store.manyCalls).toHaveLength(4);
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
    // LTC and ETH are cached; BTC was evicted, so asking for it reads the store (and evicts LTC).
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

  it('evicts nothing when a stream already held is refreshed at the bound', async () => {
    const { cache, store } = setup(2);
    for (const market of [BTC, LTC]) store.put(stored(market, T0));
    await cache.get(BTC);
    await cache.get(LTC);
    store.put(stored(LTC, T0 + MINUTE));
    cache.announce(LTC, T0 + MINUTE);
    expect(await cache.get(LTC)).toMatchObject({ candleTime: T0 + MINUTE });
    expect(store.latestCalls).toHaveLength(3);
    // BTC, the oldest entry, is still cached.
    await cache.get(BTC);
    await cache.get(LTC);
    expect(store.latestCalls).toHaveLength(3);
  });
});
