import { describe, expect, it } from '@jest/globals';
import { ResultFormatter } from '@app/confluence';
import { InputError, NotFoundError, type StreamRef } from '@app/contracts';
import type { HistoryQuery, SignalQuery, SignalChange, StoredMarket, StoredResult } from '@app/persistence';
import { signalChangeFactory, storedResultFactory } from '@app/testing';
import { LatestResults } from './latest-results.js';
import { MarketBoard } from './market-board.js';
import { calibrateProbability, ProbabilityMaps } from '@app/validation';
import { DEFAULT_PAGE, DEFAULT_SIGNALS, ResultQueries } from './result-queries.js';

const BTC_1M: StreamRef = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' };
const BTC_5M: StreamRef = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '5m' };
const key = (m: StoredMarket): string => `${m.exchange} ${m.symbol} ${m.timeframe}`;

/** ResultQueries over a board tracking BTC 1m and 5m, and an in-memory store of `stored`. */
function queriesOver(stored: readonly StoredResult[] = [], probabilities?: ProbabilityMaps) {
  const byStream = new Map(stored.map((result) => [key(result), result]));
  const historyCalls: HistoryQuery[] = [];
  const signalCalls: SignalQuery[] = [];
  const changes: SignalChange[] = [signalChangeFactory.build()];
  const latest = new LatestResults(
    {
      latest: (market) => Promise.resolve(byStream.get(key(market)) ?? null),
      latestForMarkets: (markets) =>
        Promise.resolve(markets.flatMap((market) => byStream.get(key(market)) ?? [])),
    },
    () => 0,
  );
  const board = new MarketBoard([BTC_1M, BTC_5M], 3, () => 0);
  const queries = new ResultQueries(
    board,
    latest,
    {
      history: (query) => {
        historyCalls.push(query);
        return Promise.resolve({ items: [...byStream.values()], nextCursor: null });
      },
    },
    {
      list: (query) => {
        signalCalls.push(query);
        return Promise.resolve(changes);
      },
    },
    new ResultFormatter(),
    probabilities,
  );
  return { queries, historyCalls, signalCalls, changes };
}

describe('ResultQueries stream', () => {
  it('takes the shortest tracked timeframe when none is named, and normalises the symbol', async () => {
    const { queries } = queriesOver();
    await expect(queries.stream('binance', 'BTC-USDT')).resolves.toEqual(BTC_1M);
    await expect(queries.stream('binance', 'BTC/USDT', '5m')).resolves.toEqual(BTC_5M);
  });

  it('is a NotFoundError for an unknown market or an untracked timeframe, naming it', async () => {
    const { queries } = queriesOver();
    // The class matters, not only the message: it is what the filters map to 404 / unknown-market.
    await expect(queries.stream('binance', 'DOGE/USDT')).rejects.toBeInstanceOf(NotFoundError);
    await expect(queries.stream('binance', 'DOGE/USDT')).rejects.toThrow(
      'unknown market binance DOGE/USDT (GET /v1/markets lists the tracked ones)',
    );
    await expect(queries.stream('binance', 'BTC/USDT', '1h')).rejects.toBeInstanceOf(NotFoundError);
    await expect(queries.stream('binance', 'BTC/USDT', '1h')).rejects.toThrow(
      'binance BTC/USDT is not tracked on 1h',
    );
  });

  it("finds a client's stored market in the store (its shortest stored timeframe)", async () => {
    const posted = storedResultFactory.build({ exchange: 'custom', symbol: 'ETH/USDT', timeframe: '15m' });
    const { queries } = queriesOver([posted]);
    await expect(queries.stream('custom', 'ETH-USDT')).resolves.toEqual({
      exchange: 'custom',
      symbol: 'ETH/USDT',
      timeframe: '15m',
    });
  });
});

describe('ResultQueries latest and many', () => {
  it('answers the stored result, or a NotFoundError while the stream warms up', async () => {
    const result = storedResultFactory.build({ ...BTC_1M, score: 71 });
    const { queries } = queriesOver([result]);
    await expect(queries.latest(BTC_1M)).resolves.toBe(result);
    await expect(queries.latest(BTC_5M)).rejects.toBeInstanceOf(NotFoundError);
    await expect(queries.latest(BTC_5M)).rejects.toThrow(
      'no result yet for binance BTC/USDT 5m (warming up)',
    );
  });

  it('answers many markets in the order asked, null where a market has no result yet', async () => {
    const result = storedResultFactory.build({ ...BTC_1M });
    const { queries } = queriesOver([result]);
    await expect(queries.many('binance:BTC/USDT:5m, binance:BTC-USDT')).resolves.toEqual([null, result]);
  });

  it('names the malformed entry of `markets` by its index, and refuses more than 50', async () => {
    const { queries } = queriesOver();
    const malformed = await queries.many('binance:BTC/USDT,binance::1m').catch((error: unknown) => error);
    expect(malformed).toBeInstanceOf(InputError);
    expect((malformed as InputError).issues).toEqual([
      { field: 'markets[1]', message: '"binance::1m" is not exchange:symbol[:timeframe]' },
    ]);
    const tooMany = await queries
      .many(Array.from({ length: 51 }, () => 'binance:BTC/USDT').join(','))
      .catch((error: unknown) => error);
    expect((tooMany as InputError).issues).toEqual([
      { field: 'markets', message: 'must name at most 50 markets' },
    ]);
  });
});

describe('ResultQueries history and signals', () => {
  it('asks the store for a page with the default size and only the bounds given', async () => {
    const { queries, historyCalls } = queriesOver();
    await queries.history(BTC_1M, { from: 1000 });
    await queries.history(BTC_1M, { from: 1000, to: 2000, limit: 5, cursor: 'abc' });
    expect(historyCalls).toEqual([
      { market: BTC_1M, limit: DEFAULT_PAGE, from: 1000 },
      { market: BTC_1M, limit: 5, from: 1000, to: 2000, cursor: 'abc' },
    ]);
  });

  it('refuses from after to as the client’s mistake, without asking the store', async () => {
    const { queries, historyCalls } = queriesOver();
    const refused = await queries.history(BTC_1M, { from: 2000, to: 1000 }).catch((error: unknown) => error);
    expect((refused as InputError).issues).toEqual([{ field: 'from', message: 'must be ≤ to' }]);
    expect(historyCalls).toEqual([]);
  });

  it('lists signal changes with the default limit and a normalised symbol', async () => {
    const { queries, signalCalls, changes } = queriesOver();
    await expect(queries.signalHistory({ symbol: 'BTC-USDT', timeframe: '1m' })).resolves.toBe(changes);
    expect(signalCalls).toEqual([{ limit: DEFAULT_SIGNALS, symbol: 'BTC/USDT', timeframe: '1m' }]);
  });
});

describe('ResultQueries present', () => {
  it('shows no probability before the stream’s maps are fitted, then P(up) for the result’s score', () => {
    const maps = new ProbabilityMaps();
    const { queries } = queriesOver([], maps);
    // A legacy (v1-rendered) document: presented as stored, so only the probability is added.
    const result = storedResultFactory.build({ ...BTC_1M, score: 63, format: 0, result: { score: 63 } });
    const before = queries.presentation;

    expect(queries.present(result)).toEqual({ score: 63, source: null });
    // Scores 0–99, up exactly when the score is at least 50: the map steps from 0 to 1 there.
    const scores = Array.from({ length: 400 }, (_, i) => i % 100);
    const forward = scores.map((score) => (score >= 50 ? 0.001 : -0.001));
    const fit = calibrateProbability(scores, forward, { horizon: 1 });
    maps.update(BTC_1M, new Map([[1, fit]]));

    expect(queries.presentation).not.toBe(before);
    expect(queries.present(result)).toEqual({
      score: 63,
      source: null,
      probability: {
        '1': {
          sufficient: true,
          up: 1,
          n: 400,
          brier: fit.outOfSample?.brier,
          brierBase: fit.outOfSample?.brierBase,
        },
      },
    });
    expect(queries.probabilityOf(BTC_1M, 12)).toMatchObject({ '1': { up: 0 } });
    expect(queries.probabilityOf(BTC_5M, 12)).toBeNull();
  });
});
