import { describe, expect, it } from '@jest/globals';
import { HealthIndicatorService } from '@nestjs/terminus';
import { CandleClosedEvent, validatePayload } from '@app/contracts/dto';
// By path: the @app/testing barrel also loads mongoose and the fake exchange.
import { busEventFactory } from '../../testing/src/factories/index.js';
import { ManualClock } from '../../testing/src/manual-clock.js';
import { MarketBoard, type StreamRef } from './market-board.js';
import { MarketFreshnessHealthIndicator } from './market-freshness.indicator.js';

/** The freshness indicator over a real MarketBoard on virtual time (stale after 3 intervals). */

const T0 = Date.UTC(2024, 2, 4, 12, 0);
const MINUTE = 60_000;
const BTC_1M: StreamRef = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' };
const LTC_1M: StreamRef = { exchange: 'binance', symbol: 'LTC/USDT', timeframe: '1m' };
const BYBIT_1M: StreamRef = { exchange: 'bybit', symbol: 'BTC/USDT', timeframe: '1m' };

/** A closed candle as the board receives it from the bus: validated into its class. */
function candleClosed(stream: StreamRef, timestamp: number): CandleClosedEvent {
  const validated = validatePayload(
    CandleClosedEvent,
    busEventFactory.candleClosed({ ...stream, source: 'live', candle: { timestamp } }),
  );
  if (!validated.ok) throw new Error(validated.errors.join('; '));
  return validated.value;
}

function setup(tracked: readonly StreamRef[]): {
  board: MarketBoard;
  clock: ManualClock;
  indicator: MarketFreshnessHealthIndicator;
} {
  const clock = new ManualClock(T0);
  const board = new MarketBoard(tracked, 3, () => clock.now());
  return { board, clock, indicator: new MarketFreshnessHealthIndicator(new HealthIndicatorService(), board) };
}

describe('MarketFreshnessHealthIndicator', () => {
  it('is up, with each exchange, when every tracked stream has a fresh closed candle', () => {
    const { board, indicator } = setup([BTC_1M, LTC_1M]);
    board.onCandle(candleClosed(BTC_1M, T0 - MINUTE));
    board.onCandle(candleClosed(LTC_1M, T0 - MINUTE));

    expect(indicator.isHealthy('marketData')).toEqual({
      marketData: { status: 'up', exchanges: [{ exchange: 'binance', status: 'ok', streams: 2, fresh: 2 }] },
    });
  });

  it('is degraded, naming per exchange the streams without a candle or gone stale', () => {
    const { board, clock, indicator } = setup([BTC_1M, LTC_1M, BYBIT_1M]);
    board.onCandle(candleClosed(BTC_1M, T0 - MINUTE));
    board.onCandle(candleClosed(BYBIT_1M, T0 - MINUTE));
    clock.advance(2 * MINUTE);
    board.onCandle(candleClosed(BTC_1M, T0 + MINUTE));
    clock.advance(2 * MINUTE); // Bybit's last candle arrived 4 intervals ago: stale.

    expect(indicator.isHealthy('marketData')).toEqual({
      marketData: {
        status: 'degraded',
        message:
          'binance: no recent closed candle for LTC/USDT 1m; bybit: no recent closed candle for BTC/USDT 1m',
        exchanges: [
          {
            exchange: 'binance',
            status: 'degraded',
            streams: 2,
            fresh: 1,
            reason: 'no recent closed candle for LTC/USDT 1m',
          },
          {
            exchange: 'bybit',
            status: 'degraded',
            streams: 1,
            fresh: 0,
            reason: 'no recent closed candle for BTC/USDT 1m',
          },
        ],
      },
    });
  });

  it('is degraded when no market is tracked at all', () => {
    expect(setup([]).indicator.isHealthy('marketData')).toEqual({
      marketData: { status: 'degraded', message: 'no market is tracked', exchanges: [] },
    });
  });
});
