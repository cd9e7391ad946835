import { describe, expect, it } from '@jest/globals';
import { InputError, type StreamRef } from '@app/contracts';
import type { CandleRepository, StoredCandle, StoredMarket } from '@app/persistence';
import { candleFactory } from '@app/testing';
import { CandleQueries } from './candle-queries.js';
import { DEFAULT_PAGE } from './result-queries.js';

const BTC_1M: StreamRef = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' };

/** A repository answering `stored` (as its `latest` would, oldest first) and recording each call. */
function repositoryOf(stored: readonly StoredCandle[]) {
  const calls: { market: StoredMarket; count: number; until: number | undefined }[] = [];
  const repository: Pick<CandleRepository, 'latest'> = {
    latest: (market, count, until) => {
      calls.push({ market, count, until });
      return Promise.resolve([...stored]);
    },
  };
  return { repository, calls };
}

const STORED: StoredCandle[] = candleFactory
  .buildList(5, (index) => ({ close: 100 + index }))
  .map((candle) => ({ ...BTC_1M, source: 'replay', ...candle }));

describe('CandleQueries', () => {
  it('asks the store for the newest `limit` candles up to `to`, naming only the stream', async () => {
    const { repository, calls } = repositoryOf(STORED);
    // A stream object with more on it (a view): only its three keys may reach the store's filter.
    const stream = { ...BTC_1M, status: 'warm' } as StreamRef;

    await new CandleQueries(repository).range(stream, { to: 1_700_000_000_000, limit: 3 });
    await new CandleQueries(repository).range(BTC_1M, {});

    expect(calls).toEqual([
      { market: BTC_1M, count: 3, until: 1_700_000_000_000 },
      { market: BTC_1M, count: DEFAULT_PAGE, until: undefined },
    ]);
  });

  it('answers plain candles, oldest first, cut at `from` (inclusive)', async () => {
    const { repository } = repositoryOf(STORED);
    const from = STORED[2]?.timestamp ?? 0;

    const candles = await new CandleQueries(repository).range(BTC_1M, { from });

    expect(candles.map((candle) => candle.close)).toEqual([102, 103, 104]);
    expect(candles[0]).toEqual({
      timestamp: from,
      open: STORED[2]?.open,
      high: STORED[2]?.high,
      low: STORED[2]?.low,
      close: 102,
      volume: STORED[2]?.volume,
    });
  });

  it('is an InputError naming `from` when from > to, before reading the store', async () => {
    const { repository, calls } = repositoryOf(STORED);

    const failure = new CandleQueries(repository).range(BTC_1M, { from: 2, to: 1 });

    await expect(failure).rejects.toBeInstanceOf(InputError);
    await expect(failure).rejects.toMatchObject({ issues: [{ field: 'from', message: 'must be ≤ to' }] });
    expect(calls).toEqual([]);
  });
});
