import { describe, expect, it } from '@jest/globals';
import { validateMarketEvent } from './bus-events.js';
import { MarketEventName } from './event-names.js';
import { CandleClosedEvent } from './market-events.js';

const candle = {
  exchange: 'binance',
  symbol: 'BTC/USDT',
  source: 'replay',
  emittedAt: 1_613_692_800_000,
  timeframe: '1m',
  candle: { timestamp: 1_613_692_740_000, open: 1, high: 2, low: 0.5, close: 1.5, volume: 3 },
};

describe('validateMarketEvent', () => {
  it('accepts a well-formed candle event as an instance of its class', () => {
    const result = validateMarketEvent(MarketEventName.CandleClosed, candle);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.value).toBeInstanceOf(CandleClosedEvent);
  });

  it('rejects every problem with its path, including unknown fields', () => {
    const result = validateMarketEvent(MarketEventName.CandleClosed, {
      ...candle,
      symbol: 'btcusdt',
      timeframe: '7m',
      candle: { ...candle.candle, close: Number.NaN, volume: -1 },
      extra: true,
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^symbol: symbol must be a unified symbol/),
        expect.stringMatching(/^timeframe: /),
        expect.stringMatching(/^candle\.close: /),
        expect.stringMatching(/^candle\.volume: /),
        expect.stringMatching(/^extra: property extra should not exist/),
      ]),
    );
  });

  it('rejects a close without its candle, or with a null one (a nested rule alone lets a missing value pass)', () => {
    const withoutCandle: Record<string, unknown> = { ...candle };
    delete withoutCandle.candle;
    for (const payload of [withoutCandle, { ...candle, candle: null }]) {
      const result = validateMarketEvent(MarketEventName.CandleClosed, payload);
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      expect(result.errors.length).toBeGreaterThan(0);
      for (const error of result.errors) expect(error).toMatch(/^candle: /);
    }
  });

  it('rejects non-objects outright', () => {
    for (const payload of [null, 'x', 42, [candle]]) {
      expect(validateMarketEvent(MarketEventName.CandleClosed, payload)).toEqual({
        ok: false,
        errors: ['payload: must be an object'],
      });
    }
  });

  it('validates book levels, trades and derivatives payloads', () => {
    const base = { exchange: 'binance', symbol: 'BTC/USDT', source: 'live', emittedAt: 1 };
    expect(
      validateMarketEvent(MarketEventName.OrderBookSnapshot, {
        ...base,
        timestamp: 1,
        bids: [{ price: 1, size: 1 }],
        asks: [],
      }).ok,
    ).toBe(true);
    const badBook = validateMarketEvent(MarketEventName.OrderBookSnapshot, {
      ...base,
      timestamp: 1,
      bids: [{ price: -1, size: 1 }],
      asks: [],
    });
    expect(badBook.ok ? [] : badBook.errors).toEqual([expect.stringMatching(/^bids\.0\.price: /)]);
    expect(
      validateMarketEvent(MarketEventName.TradesBatch, {
        ...base,
        trades: [{ timestamp: 1, price: 1, size: 1, side: 'hold' }],
      }).ok,
    ).toBe(false);
    expect(
      validateMarketEvent(MarketEventName.DerivativesSnapshot, { ...base, timestamp: 1, fundingRate: 0.0001 })
        .ok,
    ).toBe(true);
    expect(
      validateMarketEvent(MarketEventName.DerivativesSnapshot, { ...base, timestamp: 1, longShortRatio: 0 })
        .ok,
    ).toBe(false);
  });
});
