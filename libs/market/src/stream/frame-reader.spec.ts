import { describe, expect, it } from '@jest/globals';
import type { Candle } from '@app/confluence';
import type { Timeframe } from '@app/contracts';
import { frameReaderFor } from './frame-reader.js';
import type { FrameEvents } from './stream-types.js';

class Recorder implements FrameEvents {
  readonly closed: [string, Timeframe, Candle][] = [];
  readonly gaps: string[] = [];
  readonly malformedFrames: string[] = [];
  dataFrames = 0;
  closedCandle(symbol: string, timeframe: Timeframe, candle: Candle): void {
    this.closed.push([symbol, timeframe, candle]);
  }
  bookGap(symbol: string, detail: string): void {
    this.gaps.push(`${symbol}: ${detail}`);
  }
  malformed(detail: string): void {
    this.malformedFrames.push(detail);
  }
  data(): void {
    this.dataFrames++;
  }
}

const SYMBOLS = new Map([['BTCUSDT', 'BTC/USDT']]);

// Shapes from Binance's "Kline/Candlestick Streams" and Bybit v5 "Kline" / "Orderbook" docs.
function binanceKline(closed: boolean, open = '42000.10'): Record<string, unknown> {
  return {
    e: 'kline',
    E: 1_700_000_060_001,
    s: 'BTCUSDT',
    k: {
      t: 1_700_000_040_000,
      T: 1_700_000_099_999,
      s: 'BTCUSDT',
      i: '1m',
      o: open,
      c: '42010.5',
      h: '42020',
      l: '41990.01',
      v: '12.345',
      x: closed,
    },
  };
}

function bybitBook(type: 'snapshot' | 'delta', u: number): Record<string, unknown> {
  return {
    topic: 'orderbook.50.BTCUSDT',
    type,
    ts: 1,
    data: { s: 'BTCUSDT', b: [['42000', '1']], a: [['42001', '2']], u, seq: u * 10 },
  };
}

describe('Binance frames', () => {
  const events = new Recorder();
  const reader = frameReaderFor('binance', { symbols: SYMBOLS, timeframes: new Map([['1m', '1m']]), events });

  it('hands over a kline the exchange flags closed, with its values as numbers, and ignores forming ones', () => {
    reader?.read(binanceKline(false));
    reader?.read({ stream: 'btcusdt@kline_1m', data: binanceKline(true) });
    expect(events.closed).toEqual([
      [
        'BTC/USDT',
        '1m',
        {
          timestamp: 1_700_000_040_000,
          open: 42000.1,
          high: 42020,
          low: 41990.01,
          close: 42010.5,
          volume: 12.345,
        },
      ],
    ]);
    expect(events.dataFrames).toBe(2);
  });

  it('counts acknowledgements as no data, and reports text and unusable klines as malformed', () => {
    const before = events.dataFrames;
    reader?.read({ result: null, id: 1 });
    expect(events.dataFrames).toBe(before);
    reader?.read('{"e":"kline","k":{"t":17');
    reader?.read(binanceKline(true, 'abc'));
    reader?.read({ e: 'kline', s: 'BTCUSDT' });
    expect(events.malformedFrames).toHaveLength(3);
    expect(events.closed).toHaveLength(1);
  });
});

describe('Bybit frames', () => {
  it('hands over confirmed klines of the subscribed intervals only', () => {
    const events = new Recorder();
    const reader = frameReaderFor('bybit', { symbols: SYMBOLS, timeframes: new Map([['1', '1m']]), events });
    const row = {
      start: 1_700_000_040_000,
      end: 1_700_000_099_999,
      interval: '1',
      open: '1',
      close: '2',
      high: '3',
      low: '0.5',
      volume: '4',
      confirm: true,
    };
    reader?.read({
      topic: 'kline.1.BTCUSDT',
      type: 'snapshot',
      ts: 1,
      data: [{ ...row, confirm: false }, row],
    });
    reader?.read({ topic: 'kline.5.BTCUSDT', type: 'snapshot', ts: 1, data: [row] });
    expect(events.closed).toEqual([
      ['BTC/USDT', '1m', { timestamp: 1_700_000_040_000, open: 1, high: 3, low: 0.5, close: 2, volume: 4 }],
    ]);
  });

  it('follows book update ids: a repeat is harmless, a skip or an older delta is a gap until the next snapshot', () => {
    const events = new Recorder();
    const reader = frameReaderFor('bybit', { symbols: SYMBOLS, timeframes: new Map(), events });
    reader?.read(bybitBook('delta', 4)); // before the snapshot: ccxt has no book yet either
    reader?.read(bybitBook('snapshot', 5));
    reader?.read(bybitBook('delta', 6));
    reader?.read(bybitBook('delta', 6));
    reader?.read(bybitBook('delta', 7));
    expect(events.gaps).toEqual([]);
    reader?.read(bybitBook('delta', 9));
    expect(events.gaps).toEqual(['BTC/USDT: orderbook.50.BTCUSDT: update 9 after 7']);
    reader?.read(bybitBook('delta', 10)); // no book until a snapshot: no second report
    reader?.read(bybitBook('snapshot', 20));
    reader?.read(bybitBook('delta', 21));
    reader?.read(bybitBook('delta', 20));
    expect(events.gaps).toEqual([
      'BTC/USDT: orderbook.50.BTCUSDT: update 9 after 7',
      'BTC/USDT: orderbook.50.BTCUSDT: update 20 after 21',
    ]);
  });

  it('has no reader for exchanges whose frames it does not know', () => {
    expect(
      frameReaderFor('okx', { symbols: SYMBOLS, timeframes: new Map(), events: new Recorder() }),
    ).toBeNull();
  });
});
