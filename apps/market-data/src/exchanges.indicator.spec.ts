import { describe, expect, it } from '@jest/globals';
import { HealthIndicatorService } from '@nestjs/terminus';
import {
  type ExchangeFeedStatus,
  type ExchangeHealth,
  FaultKind,
  type MarketDataStatus,
  pollingStatus,
} from '@app/market';
import { ExchangesHealthIndicator } from './exchanges.indicator.js';

/**
 * The exchanges indicator over a stand-in for MarketDataService that reports the status it is
 * given (the rule that makes the whole `down` only when every exchange is down is MarketIngestion's,
 * proven with it; the app runs both against the fake exchanges in test/market-data.e2e-spec.ts).
 */

const T0 = Date.UTC(2024, 2, 4, 12, 0);

class ReportingMarketData {
  constructor(private readonly reported: MarketDataStatus) {}

  status(): MarketDataStatus {
    return this.reported;
  }
}

/** One exchange's feed status as the gate reports it, with no market detail (not read). */
function exchange(id: string, status: ExchangeHealth, reason: string | null = null): ExchangeFeedStatus {
  return {
    exchange: id,
    status,
    reason,
    lastSuccessAt: T0,
    lastError: status === 'ok' ? null : { at: T0, kind: FaultKind.Network, message: 'ECONNRESET' },
    consecutiveFailures: status === 'ok' ? 0 : 5,
    breaker: status === 'down' ? 'open' : 'closed',
    resumeAt: null,
    counters: { requests: 10, failures: 0, rateLimited: 0, malformed: 0, retries: 0 },
    markets: [],
    unlisted: [],
    streams: pollingStatus(),
  };
}

function indicatorOf(status: MarketDataStatus): ExchangesHealthIndicator {
  return new ExchangesHealthIndicator(new HealthIndicatorService(), new ReportingMarketData(status));
}

const POLLING = pollingStatus().kinds;
const DOWN_REASON = 'circuit open after 5 failures in a row (last: network)';

describe('ExchangesHealthIndicator', () => {
  it('is up with each exchange when every one is ok', () => {
    const indicator = indicatorOf({
      source: 'live',
      status: 'ok',
      exchanges: [exchange('binance', 'ok'), exchange('bybit', 'ok')],
      replay: null,
    });

    expect(indicator.isHealthy('exchanges')).toEqual({
      exchanges: {
        status: 'up',
        source: 'live',
        exchanges: [
          { exchange: 'binance', status: 'ok', reason: null, streams: POLLING },
          { exchange: 'bybit', status: 'ok', reason: null, streams: POLLING },
        ],
      },
    });
  });

  it('is up during a replay, which has no exchange feed, with its progress', () => {
    const indicator = indicatorOf({
      source: 'replay',
      status: 'ok',
      exchanges: [],
      replay: { files: ['binance_BTC-USDT_1m.csv'], published: 420, finished: false },
    });

    expect(indicator.isHealthy('exchanges')).toEqual({
      exchanges: {
        status: 'up',
        source: 'replay',
        exchanges: [],
        replay: { published: 420, finished: false },
      },
    });
  });

  it('is degraded, naming each exchange not ok with its reason, while another still publishes', () => {
    const indicator = indicatorOf({
      source: 'live',
      status: 'degraded',
      exchanges: [
        exchange('binance', 'degraded', 'rate-limited by the exchange'),
        exchange('bybit', 'down', DOWN_REASON),
      ],
      replay: null,
    });

    expect(indicator.isHealthy('exchanges')).toEqual({
      exchanges: {
        status: 'degraded',
        message: `binance: rate-limited by the exchange; bybit: ${DOWN_REASON}`,
        source: 'live',
        exchanges: [
          {
            exchange: 'binance',
            status: 'degraded',
            reason: 'rate-limited by the exchange',
            streams: POLLING,
          },
          { exchange: 'bybit', status: 'down', reason: DOWN_REASON, streams: POLLING },
        ],
      },
    });
  });

  it('is down when every exchange is down, as /health/market-data answers 503', () => {
    const indicator = indicatorOf({
      source: 'live',
      status: 'down',
      exchanges: [exchange('binance', 'down', DOWN_REASON), exchange('bybit', 'down')],
      replay: null,
    });

    expect(indicator.isHealthy('exchanges')).toEqual({
      exchanges: {
        status: 'down',
        message: `binance: ${DOWN_REASON}; bybit: down`,
        source: 'live',
        exchanges: [
          { exchange: 'binance', status: 'down', reason: DOWN_REASON, streams: POLLING },
          { exchange: 'bybit', status: 'down', reason: null, streams: POLLING },
        ],
      },
    });
  });
});
