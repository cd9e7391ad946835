import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { MarketEventName } from '@app/contracts';
import { type CandleClosedEvent, type EventData, validateMarketEvent } from '@app/contracts/dto';
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
    await expect(source.run()).rejects.toThrow(
      /LTC-USDT_1m_2020-11-08_binance\.csv: line 2: low must be ≤ min\(open, close\)/,
    );
  });
});

/** A replay recording what it does in order: each publish, and each sleep with its length. */
function replayTimed(
  files: readonly ReplayFile[],
  speed: number | 'max',
  options: { warmupCandles?: number; readFile?: (path: string) => string } = {},
) {
  const events: EventData<CandleClosedEvent>[] = [];
  const steps: ({ sleep: number } | { publish: string })[] = [];
  const source = new ReplaySource({
    files,
    speed,
    readFile: options.readFile ?? ((p: string) => readFileSync(p, 'utf8')),
    now: () => 42,
    sleep: (ms) => {
      steps.push({ sleep: ms });
      return Promise.resolve();
    },
    publish: (event) => {
      events.push(event);
      steps.push({ publish: `${event.symbol} ${event.timeframe}` });
    },
    ...(options.warmupCandles === undefined ? {} : { warmupCandles: options.warmupCandles }),
  });
  const sleeps = () => steps.flatMap((s) => ('sleep' in s ? [s.sleep] : []));
  return { source, events, steps, sleeps };
}

const intervalOf = (e: EventData<CandleClosedEvent>): number => (e.timeframe === '5m' ? 300_000 : 60_000);
const marketOf = (e: EventData<CandleClosedEvent>): string => `${e.exchange} ${e.symbol}`;

/** Close time of each event on its own market's timeline (ms since the market's first candle). */
function sinceOrigin(events: readonly EventData<CandleClosedEvent>[]): number[] {
  const origins = new Map<string, number>();
  for (const e of events)
    origins.set(marketOf(e), Math.min(origins.get(marketOf(e)) ?? Infinity, e.candle.timestamp));
  return events.map((e) => e.candle.timestamp + intervalOf(e) - (origins.get(marketOf(e)) ?? 0));
}

function csv(candles: readonly { timestamp: number; open: number }[]): string {
  const rows = candles.map((c) => `${c.timestamp},${c.open},${c.open + 1},${c.open - 1},${c.open},10`);
  return ['timestamp,open,high,low,close,volume', ...rows].join('\n') + '\n';
}

describe('ReplaySource across markets and warm-up', () => {
  it('replays markets recorded on different days side by side, each from its own first candle', async () => {
    const { source, events } = replayTimed([file(MARKET_FILES.btc1m), file(MARKET_FILES.ltc1m)], 'max');
    expect(await source.run()).toEqual({ published: 10_080 + 2_880 });
    // LTC (2020-11-08) starts with BTC (2021-02-19), not 103 days before it.
    const btc = loadMarketCandles(MARKET_FILES.btc1m);
    const ltc = loadMarketCandles(MARKET_FILES.ltc1m);
    const pairs = Array.from({ length: 2_880 }, (_, i) => [
      ['BTC/USDT', btc[i]!.timestamp],
      ['LTC/USDT', ltc[i]!.timestamp],
    ]).flat();
    expect(events.slice(0, 2 * 2_880).map((e) => [e.symbol, e.candle.timestamp])).toEqual(pairs);
    expect(events.slice(2 * 2_880).map((e) => e.candle)).toEqual(btc.slice(2_880));
    const times = sinceOrigin(events);
    expect(times.every((t, i) => i === 0 || t >= times[i - 1]!)).toBe(true);
    // Each market's candles still go out complete and in order.
    expect(events.filter((e) => e.symbol === 'LTC/USDT').map((e) => e.candle)).toEqual(ltc);
  });

  it('keeps a market’s timeframes aligned while another market plays beside it', async () => {
    const alone = replayTimed([file(MARKET_FILES.btc5m), file(MARKET_FILES.btc1m)], 'max');
    await alone.source.run();
    const { source, events } = replayTimed(
      [file(MARKET_FILES.btc5m), file(MARKET_FILES.ltc1m), file(MARKET_FILES.btc1m)],
      'max',
    );
    expect(await source.run()).toEqual({ published: 2_016 + 2_880 + 10_080 });
    expect(events.filter((e) => e.symbol === 'BTC/USDT')).toEqual(alone.events);
    // Every 5m candle comes right after the 1m candles of its five minutes (on the shared close, files keep their order).
    const btc = events.filter((e) => e.symbol === 'BTC/USDT');
    for (const [i, e] of btc.entries()) {
      if (e.timeframe !== '5m') continue;
      const before = btc.slice(Math.max(0, i - 4), i);
      expect(before.map((b) => b.candle.timestamp)).toEqual(
        [0, 1, 2, 3].map((k) => e.candle.timestamp + k * 60_000).slice(-before.length),
      );
    }
    const times = sinceOrigin(events);
    expect(times.every((t, i) => i === 0 || t >= times[i - 1]!)).toBe(true);
  });

  it('aligns a market’s timeframe file that starts later with its other timeframes, not with its own start', async () => {
    const start = Date.UTC(2021, 0, 1);
    const oneMinute = Array.from({ length: 120 }, (_, i) => ({
      timestamp: start + i * 60_000,
      open: 100 + i,
    }));
    // The 5m file begins an hour after the 1m file.
    const fiveMinutes = Array.from({ length: 12 }, (_, i) => ({
      timestamp: start + 3_600_000 + i * 300_000,
      open: 200 + i,
    }));
    const texts: Record<string, string> = { '1m.csv': csv(oneMinute), '5m.csv': csv(fiveMinutes) };
    const files: ReplayFile[] = [
      { exchange: 'binance', symbol: 'ETH/USDT', timeframe: '5m', path: '5m.csv' },
      { exchange: 'binance', symbol: 'ETH/USDT', timeframe: '1m', path: '1m.csv' },
    ];
    const { source, events, sleeps } = replayTimed(files, 60, { readFile: (p) => texts[p] ?? '' });
    await source.run();
    const first5m = events.findIndex((e) => e.timeframe === '5m');
    // Its first candle (01:00–01:05) closes with the 1m candle of 01:04 (the 5m file is listed first, so goes first).
    expect(first5m).toBe(64);
    expect(events[first5m - 1]).toMatchObject({
      timeframe: '1m',
      candle: { timestamp: start + 63 * 60_000 },
    });
    expect(events[first5m + 1]).toMatchObject({
      timeframe: '1m',
      candle: { timestamp: start + 64 * 60_000 },
    });
    // Pacing follows the market's one timeline: two hours of candles at 60× = two minutes of sleeps.
    expect(sleeps().reduce((a, b) => a + b, 0)).toBe((120 * 60_000 - 60_000) / 60);
  });

  it('publishes the first warmupCandles of a file without sleeping, then paces the rest', async () => {
    const { source, steps, sleeps } = replayTimed([file(MARKET_FILES.ltc1m)], 60, { warmupCandles: 100 });
    expect(await source.run()).toEqual({ published: 2_880 });
    const firstSleep = steps.findIndex((s) => 'sleep' in s);
    expect(steps.slice(0, firstSleep).every((s) => 'publish' in s)).toBe(true);
    expect(firstSleep).toBe(100);
    // The rest: 2,780 minutes of replayed time at 60× real time.
    expect(sleeps()).toHaveLength(2_780);
    expect(sleeps().reduce((a, b) => a + b, 0)).toBe((2_780 * 60_000) / 60);
    expect(new Set(sleeps())).toEqual(new Set([1_000]));
  });

  it('warms every file of every market up before pacing, then sleeps the remaining replayed time', async () => {
    const speed = 120;
    const { source, steps, events, sleeps } = replayTimed(
      [file(MARKET_FILES.btc5m), file(MARKET_FILES.ltc1m), file(MARKET_FILES.btc1m)],
      speed,
      { warmupCandles: 50 },
    );
    await source.run();
    const firstSleep = steps.findIndex((s) => 'sleep' in s);
    const unpaced = events.slice(0, firstSleep);
    for (const [symbol, timeframe] of [
      ['BTC/USDT', '5m'],
      ['BTC/USDT', '1m'],
      ['LTC/USDT', '1m'],
    ])
      expect(
        unpaced.filter((e) => e.symbol === symbol && e.timeframe === timeframe).length,
      ).toBeGreaterThanOrEqual(50);
    // The slowest file's warm-up (50 × 5m) sets the unpaced stretch: 250 minutes of every market.
    const times = sinceOrigin(events);
    expect(Math.max(...times.slice(0, firstSleep))).toBe(250 * 60_000);
    expect(times[firstSleep]).toBeGreaterThan(250 * 60_000);
    // After it, the sleeps add up to the replayed time left (7 days of BTC less the warm-up) / speed.
    const total = sleeps().reduce((a, b) => a + b, 0);
    expect(total).toBeCloseTo(((7 * 24 * 60 - 250) * 60_000) / speed, 6);
  });

  it('sleeps nothing at speed max, warm-up or not', async () => {
    const { source, sleeps } = replayTimed([file(MARKET_FILES.ltc1m), file(MARKET_FILES.btc5m)], 'max', {
      warmupCandles: 10,
    });
    await source.run();
    expect(sleeps()).toEqual([]);
  });
});
