import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { ChecksumError, type Exchange, type OrderBook, type Trade } from 'ccxt';
import { eventually } from '../eventually.js';
import type { CsvCandle } from '../market-data.js';
import { alignedFakeDataset, formingCandle } from './candles.js';
import { FAKE_MARKETS, syntheticMarkets } from './fixtures.js';
import { type RawFrames, StreamBench } from './stream-harness.js';
import type { FakeBook } from './stream-types.js';
import type { FakeExchangeId } from './types.js';

const MIN = 60_000;
const DATASET = alignedFakeDataset();
const BTC1 = DATASET.get('binance', 'BTC/USDT', '1m') ?? [];
const LTC1 = DATASET.get('binance', 'LTC/USDT', '1m') ?? [];
/** 30 s into 1m candle #100. */
const START = BTC1[100]!.timestamp + 30_000;

let bench: StreamBench;
beforeEach(async () => {
  bench = await StreamBench.start(START, DATASET);
});
afterEach(async () => {
  await bench.stop();
});

const row = (c: CsvCandle): number[] => [c.timestamp, c.open, c.high, c.low, c.close, c.volume];
type Frame = Record<string, unknown>;
const frames = (raw: RawFrames): Frame[] =>
  raw.filter((m): m is Frame => m !== null && typeof m === 'object' && !Array.isArray(m));

/** A raw kline frame's candle and closed flag (Binance `k`, Bybit `data[0]` with `confirm`). */
function klineOf(id: FakeExchangeId, frame: Frame): { row: number[]; closed: boolean } | undefined {
  if (id === 'binance') {
    const k = frame.k as Record<string, string | number | boolean> | undefined;
    if (frame.e !== 'kline' || k === undefined) return undefined;
    return { row: [k.t, k.o, k.h, k.l, k.c, k.v].map(Number), closed: k.x === true };
  }
  const data = (frame.data as Record<string, string | number | boolean>[] | undefined)?.[0];
  if (typeof frame.topic !== 'string' || !frame.topic.startsWith('kline.') || data === undefined)
    return undefined;
  return {
    row: [data.start, data.open, data.high, data.low, data.close, data.volume].map(Number),
    closed: data.confirm === true,
  };
}

/** The trades ccxt cached for a symbol: [id, timestamp, price, amount, side]. */
function tapeOf(ex: Exchange, symbol: string): (string | number | undefined)[][] {
  const cached = (ex.trades as Record<string, Trade[] | undefined>)[symbol] ?? [];
  return cached.map((t) => [t.id, t.timestamp, t.price, t.amount, t.side]);
}

const sides = (book: OrderBook | FakeBook | undefined): { bids: unknown; asks: unknown } => ({
  bids: book?.bids,
  asks: book?.asks,
});

describe('klines', () => {
  it.each([
    ['binance', 'BTC/USDT', 'btcusdt@kline_1m'],
    ['binance', 'BTC/USDT:USDT', 'btcusdt@kline_1m'],
    ['bybit', 'BTC/USDT', 'kline.1.BTCUSDT'],
    ['bybit', 'BTC/USDT:USDT', 'kline.1.BTCUSDT'],
  ] as const)(
    '%s %s: every closed candle is the dataset candle, then the forming one',
    async (id, symbol, topic) => {
      const { ex, raw } = await bench.connect(id);
      const watch = ex.watchOHLCV(symbol, '1m');
      await bench.subscribed(id, topic);
      expect(await bench.advance(3 * MIN)).toBe(4);
      await watch;
      await eventually(
        () => frames(raw).filter((f) => klineOf(id, f) !== undefined).length === 4,
        'four klines',
      );
      const klines = frames(raw).flatMap((f) => klineOf(id, f) ?? []);
      expect(klines.map((k) => k.closed)).toEqual([true, true, true, false]);
      const closed = [BTC1[100]!, BTC1[101]!, BTC1[102]!].map(row);
      expect(klines.slice(0, 3).map((k) => k.row)).toEqual(closed);
      expect(klines[3]!.row).toEqual(row(formingCandle(BTC1[103]!)));
      // ccxt's cache holds the same rows, and the REST route agrees on every closed candle.
      const cached = ex.ohlcvs[symbol]?.['1m'] as unknown as number[][];
      expect(cached.slice(-4)).toEqual([...closed, row(formingCandle(BTC1[103]!))]);
      expect(await ex.fetchOHLCV(symbol, '1m', BTC1[100]!.timestamp, 3)).toEqual(closed);
    },
  );

  it('emits nothing when the clock has not moved, and each candle close exactly once', async () => {
    const { ex, raw } = await bench.connect('binance');
    const watch = ex.watchOHLCVForSymbols([
      ['BTC/USDT', '1m'],
      ['BTC/USDT', '5m'],
    ]);
    await bench.subscribed('binance', 'btcusdt@kline_5m');
    expect(await bench.server.pumpStreams()).toBe(0);
    // 1m: 100..104 close, 105 forms; 5m: 20 closes, 21 forms.
    expect(await bench.advance(4 * MIN + 30_000)).toBe(5 + 1 + 1 + 1);
    await watch;
    expect(await bench.advance(MIN)).toBe(1 + 1 + 1); // 1m: 105 closes, 106 forms; 5m: 21 forms
    await eventually(() => frames(raw).filter((f) => f.e === 'kline').length === 11, 'eleven klines');
    const closedAt = frames(raw)
      .filter((f) => f.e === 'kline')
      .map((f) => f.k as Record<string, unknown>)
      .filter((k) => k.x === true)
      .map((k) => `${String(k.i)}@${Number(k.t) - BTC1[0]!.timestamp}`);
    // In time order: each 1m close, the 5m close at the same instant as 1m #104's, then #105.
    expect(closedAt).toEqual([
      '1m@6000000',
      '1m@6060000',
      '1m@6120000',
      '1m@6180000',
      '1m@6240000',
      '5m@6000000',
      '1m@6300000',
    ]);
  });
});

describe('trades', () => {
  it.each(['binance', 'bybit'] as const)(
    '%s: a deterministic tape inside the candles, ids rising',
    async (id) => {
      const a = await bench.connect(id);
      const b = await bench.connect(id);
      const topics =
        id === 'binance'
          ? ['btcusdt@trade', 'ltcusdt@trade']
          : ['publicTrade.BTCUSDT', 'publicTrade.LTCUSDT'];
      const watches = [a, b].map(({ ex }) => ex.watchTradesForSymbols(['BTC/USDT', 'LTC/USDT']));
      await eventually(
        () =>
          bench.server.connections(id).filter((c) => topics.every((t) => c.topics.includes(t))).length === 2,
        'two sockets with both topics',
      );
      const sent = await bench.advance(MIN);
      await Promise.all(watches);
      await eventually(
        () => frames(a.raw).length + frames(b.raw).length === sent + (id === 'bybit' ? 2 : 2),
        'every trade frame (plus each socket ack)',
      );
      for (const [symbol, candles] of [
        ['BTC/USDT', BTC1],
        ['LTC/USDT', LTC1],
      ] as const) {
        const tape = tapeOf(a.ex, symbol);
        expect(tapeOf(b.ex, symbol)).toEqual(tape);
        expect(tape.length).toBeGreaterThanOrEqual(10); // one per 5 s slot
        const ids = tape.map((t) => BigInt(t[0] as string));
        expect(ids.every((x, i) => i === 0 || x > (ids[i - 1] as bigint))).toBe(true);
        for (const [, time, price] of tape as [string, number, number][]) {
          expect(time).toBeGreaterThan(START);
          expect(time).toBeLessThanOrEqual(START + MIN);
          const candle = candles.find((c) => c.timestamp <= time && time < c.timestamp + MIN)!;
          expect(price).toBeGreaterThanOrEqual(candle.low);
          expect(price).toBeLessThanOrEqual(candle.high);
        }
      }
    },
  );
});

describe('order books', () => {
  it.each([
    ['binance', 'BTC/USDT'],
    ['binance', 'LTC/USDT:USDT'],
    ['bybit', 'BTC/USDT'],
    ['bybit', 'LTC/USDT:USDT'],
  ] as const)('%s %s: the client book equals the fake book after every step', async (id, symbol) => {
    const { ex, raw } = await bench.connect(id);
    let book = await ex.watchOrderBook(symbol);
    expect(sides(book)).toEqual(sides(bench.server.book(id, symbol)));
    expect(bench.server.count(id, 'orderBook')).toBe(id === 'binance' ? 1 : 0);
    // Seconds within a candle (churn only), then minutes (the book re-centres on the new close).
    for (const ms of [1000, 1000, MIN, 2 * MIN, 500]) {
      const next = ex.watchOrderBook(symbol);
      await bench.advance(ms);
      book = await next;
      const fake = bench.server.book(id, symbol);
      expect(sides(book)).toEqual(sides(fake));
      if (id === 'binance') expect(book.nonce).toBe(fake?.updateId);
    }
    expect(book.bids.length).toBe(50);
    expect(Number(book.bids[0]![0])).toBeLessThan(Number(book.asks[0]![0]));
    const diffs = frames(raw).filter((f) => f.e === 'depthUpdate' || f.type === 'delta');
    expect(diffs.length).toBe(5);
    // Deletions (amount 0) happened and made it through.
    const levels = diffs.flatMap((f) => [...((f.b ?? (f.data as Frame).b) as string[][])]);
    expect(levels.some(([, q]) => Number(q) === 0)).toBe(true);
    if (id === 'bybit') {
      const us = diffs.map((f) => (f.data as Frame).u as number);
      expect(us.every((u, i) => i === 0 || u === (us[i - 1] as number) + 1)).toBe(true);
    }
    // REST serves the same model.
    const rest = await ex.fetchOrderBook(symbol, id === 'binance' ? 1000 : 200);
    expect(sides(rest)).toEqual(sides(bench.server.book(id, symbol)));
  });

  it.each(['BTC/USDT', 'BTC/USDT:USDT'])(
    'binance %s: a skipped update id rejects the watch (ChecksumError); watching again resyncs from REST',
    async (symbol) => {
      const { ex, raw } = await bench.connect('binance');
      await ex.watchOrderBook(symbol);
      const before = bench.server.book('binance', symbol)!.updateId;
      const gapped = ex.watchOrderBook(symbol);
      bench.server.streamFault('binance', { kind: 'bookGap' });
      await bench.advance(1000);
      await expect(gapped).rejects.toBeInstanceOf(ChecksumError);
      const diff = frames(raw).find((f) => f.e === 'depthUpdate')!;
      // The frame sent starts past before + 1 (futures: its pu names the hidden step's u).
      expect(diff.u).toBe(bench.server.book('binance', symbol)!.updateId);
      expect(Number(diff.U)).toBeGreaterThan(before + 1);
      if (symbol.includes(':')) expect(diff.pu).toBe(Number(diff.U) - 1);
      const restCalls = bench.server.count('binance', 'orderBook');
      const resynced = await ex.watchOrderBook(symbol);
      expect(bench.server.count('binance', 'orderBook')).toBe(restCalls + 1);
      expect(sides(resynced)).toEqual(sides(bench.server.book('binance', symbol)));
      const next = ex.watchOrderBook(symbol);
      await bench.advance(1000);
      expect(sides(await next)).toEqual(sides(bench.server.book('binance', symbol)));
    },
  );

  it('bybit: a skipped u leaves the client book wrong until it subscribes again', async () => {
    const { ex, raw } = await bench.connect('bybit');
    await ex.watchOrderBook('BTC/USDT');
    const first = ex.watchOrderBook('BTC/USDT');
    await bench.advance(1000);
    await first;
    bench.server.streamFault('bybit', { kind: 'bookGap' });
    const gapped = ex.watchOrderBook('BTC/USDT');
    await bench.advance(1000);
    const wrong = await gapped;
    const us = frames(raw)
      .filter((f) => f.topic === 'orderbook.50.BTCUSDT')
      .map((f) => (f.data as Frame).u as number);
    expect(us.slice(1).map((u, i) => u - (us[i] as number))).toEqual([1, 2]);
    expect(sides(wrong)).not.toEqual(sides(bench.server.book('bybit', 'BTC/USDT')));
    await ex.unWatchOrderBook('BTC/USDT');
    const resynced = await ex.watchOrderBook('BTC/USDT');
    expect(sides(resynced)).toEqual(sides(bench.server.book('bybit', 'BTC/USDT')));
  });
});

describe('many markets', () => {
  it.each(['binance', 'bybit'] as const)(
    '%s: 200 synthetic markets stream klines and books through one ccxt instance',
    async (id) => {
      const markets = [...FAKE_MARKETS, ...syntheticMarkets(200)];
      const dataset = alignedFakeDataset();
      for (const market of markets.slice(2)) dataset.set('*', market.spotSymbol, '1m', LTC1);
      const many = await StreamBench.start(START, dataset, undefined, markets);
      try {
        const { ex, raw } = await many.connect(id);
        const symbols = markets.slice(2).map((m) => m.spotSymbol);
        const pairs = symbols.map((s): [string, string] => [s, '1m']);
        if (id === 'bybit') {
          // Bybit spot takes at most 10 topics per subscribe request.
          await expect(ex.watchOHLCVForSymbols(pairs)).rejects.toThrow('args size >10');
        }
        for (let i = 0; i < symbols.length; i += 10) {
          void ex.watchOHLCVForSymbols(pairs.slice(i, i + 10)).catch(() => undefined);
          void ex.watchOrderBookForSymbols(symbols.slice(i, i + 10)).catch(() => undefined);
        }
        await eventually(
          () => many.server.connections(id).reduce((n, c) => n + c.topics.length, 0) === 400,
          '400 topics',
        );
        // Binance books sync from REST (nonce set), Bybit's from the snapshot frame.
        const synced = (symbol: string): boolean => {
          const book = ex.orderbooks[symbol];
          return book !== undefined && (id === 'bybit' || book.nonce !== undefined);
        };
        await eventually(() => symbols.every(synced), 'every book synced');
        const before = raw.length;
        const sent = await many.advance(MIN);
        expect(sent).toBe(200 * 2 + 200); // per market: closed + forming kline, one book diff
        await eventually(() => raw.length - before === sent, 'every frame');
        for (const symbol of symbols) {
          expect(sides(ex.orderbooks[symbol])).toEqual(sides(many.server.book(id, symbol)));
          expect((ex.ohlcvs[symbol]?.['1m'] as unknown as number[][])[0]).toEqual(row(LTC1[100]!));
        }
      } finally {
        await many.stop();
      }
    },
  );
});
