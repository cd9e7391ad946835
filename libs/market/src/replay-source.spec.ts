import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { type CandleClosedEvent, type EventData, MarketEventName, validateMarketEvent } from '@app/contracts';
import { loadMarketCandles, MARKET_FILES, marketDataPath } from '@app/testing';
import { parseReplayFileName, type ReplayFile, ReplaySource } from './replay-source.js';

const file = (name: string): ReplayFile => ({ ...parseReplayFileName(name)!, path: marketDataPath(name) });

function replay(
  files: readonly ReplayFile[],
  speed: number | 'max',
  readFile = (p: string) => readFileSync(p, 'utf8'),
) {
  const events: EventData<CandleClosedEvent>[] = [];
  const sleeps: number[] = [];
  const source = new ReplaySource({
    files,
    speed,
    readFile,
    now: () => 42,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    publish: (event) => {
      events.push(event);
    },
  });
  return { source, events, sleeps };
}

describe('parseReplayFileName', () => {
  it('reads the market from the bundled files’ names', () => {
    expect(parseReplayFileName(MARKET_FILES.btc5m)).toEqual({
      exchange: 'binance',
      symbol: 'BTC/USDT',
      timeframe: '5m',
    });
    expect(parseReplayFileName('notes.txt')).toBeNull();
    expect(parseReplayFileName('BTC-USDT_7m_2021-02-19_binance.csv')).toBeNull();
  });
});

describe('ReplaySource', () => {
  it('publishes every candle of a file exactly once, in order, labelled replay, each a valid event', async () => {
    const { source, events } = replay([file(MARKET_FILES.ltc1m)], 'max');
    expect(await source.run()).toEqual({ published: 2880 });
    const expected = loadMarketCandles(MARKET_FILES.ltc1m);
    expect(events.map((e) => e.candle)).toEqual(expected);
    expect(new Set(events.map((e) => e.source))).toEqual(new Set(['replay']));
    for (const event of events.slice(0, 50))
      expect(validateMarketEvent(MarketEventName.CandleClosed, event).ok).toBe(true);
    expect(events[0]).toMatchObject({
      exchange: 'binance',
      symbol: 'LTC/USDT',
      timeframe: '1m',
      emittedAt: 42,
    });
  });

  it('interleaves markets in the order their candles close', async () => {
    const { source, events } = replay([file(MARKET_FILES.btc5m), file(MARKET_FILES.btc1m)], 'max');
    await source.run();
    expect(events).toHaveLength(10_080 + 2_016);
    const closes = events.map((e) => e.candle.timestamp + (e.timeframe === '5m' ? 300_000 : 60_000));
    expect(closes.every((close, i) => i === 0 || close >= closes[i - 1]!)).toBe(true);
    // At 00:05 the 1m candle of 00:04 and the 5m candle of 00:00 close together; files keep their order.
    expect(events.slice(0, 6).map((e) => e.timeframe)).toEqual(['1m', '1m', '1m', '1m', '5m', '1m']);
  });

  it('paces at the given multiple of real time', async () => {
    const { source, sleeps } = replay([file(MARKET_FILES.ltc1m)], 60);
    await source.run();
    expect(sleeps).toHaveLength(2879);
    expect(new Set(sleeps)).toEqual(new Set([1000]));
  });

  it('stops between candles when aborted', async () => {
    const controller = new AbortController();
    const events: EventData<CandleClosedEvent>[] = [];
    const source = new ReplaySource({
      files: [file(MARKET_FILES.ltc1m)],
      speed: 'max',
      readFile: (p) => readFileSync(p, 'utf8'),
      now: () => 0,
      sleep: () => Promise.resolve(),
      publish: (event) => {
        events.push(event);
        if (events.length === 10) controller.abort();
      },
    });
    expect(await source.run(controller.signal)).toEqual({ published: 10 });
  });

  it('refuses a broken file, naming it and the line', async () => {
    const { source } = replay(
      [file(MARKET_FILES.ltc1m)],
      'max',
      () => 'timestamp,open,high,low,close,volume\n0,1,1,2,1,1\n',
    );
    await expect(source.run()).rejects.toThrow(/LTC-USDT_1m_2020-11-08_binance\.csv: line 2: high < low/);
  });
});
