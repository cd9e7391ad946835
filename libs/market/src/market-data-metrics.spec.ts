import { describe, expect, it } from '@jest/globals';
import type { CandleFeedStatus } from './exchange/candle-feed.js';
import type { ExchangeFeedStatus } from './exchange/exchange-feed.js';
import { MarketDataMetrics } from './market-data-metrics.js';
import { pollingStatus } from './stream/stream-types.js';
import type { MarketDataStatus } from './market-ingestion.js';

const NOW = 1_700_000_600_000;

function stream(symbol: string, overrides: Partial<CandleFeedStatus> = {}): CandleFeedStatus {
  return {
    symbol,
    timeframe: '1m',
    lastCandle: NOW - 120_000,
    lastPublishedAt: NOW - 30_000,
    published: 100,
    backfilled: 2,
    missing: 0,
    missingGaps: [],
    pendingGaps: [],
    awaitingBackfill: null,
    unbackfilled: null,
    ...overrides,
  };
}

function exchange(
  name: string,
  status: ExchangeFeedStatus['status'],
  markets: CandleFeedStatus[],
): ExchangeFeedStatus {
  return {
    exchange: name,
    status,
    reason: status === 'ok' ? null : 'timeouts',
    lastSuccessAt: NOW - 1_000,
    lastError: null,
    consecutiveFailures: status === 'down' ? 9 : 0,
    breaker: status === 'down' ? 'open' : 'closed',
    resumeAt: null,
    counters: { requests: 50, failures: status === 'ok' ? 0 : 9, rateLimited: 1, malformed: 0, retries: 4 },
    markets,
    unlisted: [],
    streams: pollingStatus(),
  };
}

const samples = (text: string): string[] =>
  text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));

describe('MarketDataMetrics', () => {
  it("exports each exchange's state and counters, and each stream's candles and age, as the status says", async () => {
    const status: MarketDataStatus = {
      source: 'live',
      status: 'degraded',
      exchanges: [
        exchange('binance', 'ok', [
          stream('BTC/USDT'),
          stream('ETH/USDT', { missing: 3, lastPublishedAt: null }),
        ]),
        exchange('bybit', 'down', []),
      ],
      replay: null,
    };
    const metrics = new MarketDataMetrics(() => status, { processMetrics: false, now: () => NOW });

    const scrape = samples(await metrics.registry.metrics());

    expect(scrape).toEqual(
      expect.arrayContaining([
        'confluence_exchange_state{exchange="binance",state="ok"} 1',
        'confluence_exchange_state{exchange="binance",state="down"} 0',
        'confluence_exchange_state{exchange="bybit",state="down"} 1',
        'confluence_exchange_state{exchange="bybit",state="ok"} 0',
        'confluence_exchanges_down 1',
        'confluence_exchange_failures_total{exchange="bybit"} 9',
        'confluence_exchange_requests_total{exchange="binance"} 50',
        'confluence_candles_published_total{exchange="binance",symbol="BTC/USDT",timeframe="1m"} 100',
        'confluence_candles_missing_total{exchange="binance",symbol="ETH/USDT",timeframe="1m"} 3',
        'confluence_candle_publish_age_seconds{exchange="binance",symbol="BTC/USDT",timeframe="1m"} 30',
        'confluence_replay_candles_published_total 0',
      ]),
    );
    // A stream that never published has no age rather than a made-up one.
    expect(scrape.filter((line) => line.includes('publish_age') && line.includes('ETH/USDT'))).toEqual([]);
  });

  it('counts the replay', async () => {
    const status: MarketDataStatus = {
      source: 'replay',
      status: 'ok',
      exchanges: [],
      replay: { files: ['a.csv'], published: 4_400, finished: true },
    };
    const metrics = new MarketDataMetrics(() => status, { processMetrics: false, now: () => NOW });

    expect(samples(await metrics.registry.metrics())).toEqual(
      expect.arrayContaining([
        'confluence_replay_candles_published_total 4400',
        'confluence_exchanges_down 0',
      ]),
    );
  });
});
