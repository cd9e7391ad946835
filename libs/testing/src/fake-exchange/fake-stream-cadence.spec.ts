import { afterEach, describe, expect, it } from '@jest/globals';
import { eventually } from '../eventually.js';
import type { CsvCandle } from '../market-data.js';
import { alignedFakeDataset, formingCandle } from './candles.js';
import { type RawFrames, StreamBench } from './stream-harness.js';
import type { SentClose, StreamOptions } from './stream-types.js';

const MIN = 60_000;
const DATASET = alignedFakeDataset();
const BTC1 = DATASET.get('binance', 'BTC/USDT', '1m') ?? [];
const LTC1 = DATASET.get('binance', 'LTC/USDT', '1m') ?? [];
/** 30 s into 1m candle #100 (LTC's candles are moved onto BTC's dates). */
const START = BTC1[100]!.timestamp + 30_000;
const CLOSE = BTC1[100]!.timestamp + MIN;

const benches: StreamBench[] = [];
afterEach(async () => {
  await Promise.all(benches.splice(0).map((bench) => bench.stop()));
});

async function start(options: StreamOptions): Promise<StreamBench> {
  const bench = await StreamBench.start(START, DATASET, options);
  benches.push(bench);
  return bench;
}

type Frame = Record<string, unknown>;
type Kline = Record<string, string | number | boolean>;
const frames = (raw: RawFrames): Frame[] =>
  raw.filter((m): m is Frame => m !== null && typeof m === 'object' && !Array.isArray(m));
const klines = (raw: RawFrames, id: string): { E: unknown; k: Kline }[] =>
  frames(raw)
    .filter((f) => f.e === 'kline' && f.s === id)
    .map((f) => ({ E: f.E, k: f.k as Kline }));
const row = (c: CsvCandle): number[] => [c.timestamp, c.open, c.high, c.low, c.close, c.volume];
const rowOf = (k: Kline): number[] => [k.t, k.o, k.h, k.l, k.c, k.v].map(Number);

describe('a market whose klines run late (klineDelayMs), and the close hook (onCloseSent)', () => {
  it('sends the close that much after the candle ends, the old candle forming until then, and reports each close as it is written', async () => {
    const sent: SentClose[] = [];
    const bench = await start({
      klineDelayMs: (id) => (id === 'LTCUSDT' ? 20_000 : 0),
      onCloseSent: (close) => sent.push(close),
    });
    const { ex, raw } = await bench.connect('binance');
    const watch = ex.watchOHLCVForSymbols([
      ['BTC/USDT', '1m'],
      ['LTC/USDT', '1m'],
    ]);
    await bench.subscribed('binance', 'ltcusdt@kline_1m');
    await bench.advance(30_000); // BTC #100 closes; LTC's stream reads the clock 20 s back
    await watch;
    expect(sent).toEqual([
      {
        exchange: 'binance',
        venue: 'spot',
        topic: 'btcusdt@kline_1m',
        symbol: 'BTC/USDT',
        timeframe: '1m',
        candleTime: BTC1[100]!.timestamp,
      },
    ]);
    await bench.advance(19_999);
    expect(sent).toHaveLength(1);
    await bench.advance(1);
    expect(sent.map((c) => `${c.topic} ${c.candleTime}`)).toEqual([
      `btcusdt@kline_1m ${BTC1[100]!.timestamp}`,
      `ltcusdt@kline_1m ${LTC1[100]!.timestamp}`,
    ]);
    await eventually(() => klines(raw, 'LTCUSDT').length === 4, 'four LTC klines');
    const ltc = klines(raw, 'LTCUSDT');
    // Forming #100 twice (the stream 20 s behind), its close stamped 20 s late, then #101 forming.
    expect(ltc.map(({ k }) => [k.t, k.x])).toEqual([
      [LTC1[100]!.timestamp, false],
      [LTC1[100]!.timestamp, false],
      [LTC1[100]!.timestamp, true],
      [LTC1[101]!.timestamp, false],
    ]);
    expect(rowOf(ltc[0]!.k)).toEqual(row(formingCandle(LTC1[100]!)));
    expect(rowOf(ltc[2]!.k)).toEqual(row(LTC1[100]!));
    expect(ltc[2]!.E).toBe(CLOSE + 20_000);
    // BTC runs on time: its close is stamped at the candle's end.
    const btcClose = klines(raw, 'BTCUSDT').find(({ k }) => k.x === true);
    expect(btcClose?.E).toBe(CLOSE);
    expect(rowOf(btcClose!.k)).toEqual(row(BTC1[100]!));
  });
});

describe('a cadence of its own per stream (bookStepMs, klineUpdateMs)', () => {
  it('steps a book once per bookStepMs and sends the forming kline once per klineUpdateMs, however often it is pumped', async () => {
    const bench = await start({ bookStepMs: 100, klineUpdateMs: 2_000 });
    const { ex, raw } = await bench.connect('binance');
    const book = ex.watchOrderBook('BTC/USDT');
    const candles = ex.watchOHLCV('BTC/USDT', '1m');
    await bench.subscribed('binance', 'btcusdt@kline_1m');
    await book;
    // 4 s in 10 ms pumps, inside candle #100: 40 book slots, 2 kline slots, whatever their phase.
    for (let pump = 0; pump < 400; pump++) await bench.advance(10);
    await candles;
    await eventually(
      () => frames(raw).filter((f) => f.e === 'depthUpdate').length === 40,
      'forty book diffs',
    );
    expect(klines(raw, 'BTCUSDT').map(({ k }) => [k.t, k.x])).toEqual([
      [BTC1[100]!.timestamp, false],
      [BTC1[100]!.timestamp, false],
    ]);
    // The client's book still equals the fake's (diffs in order, none lost).
    const next = ex.watchOrderBook('BTC/USDT');
    await bench.advance(100);
    const after = await next;
    const fake = bench.server.book('binance', 'BTC/USDT');
    expect({ bids: after.bids, asks: after.asks }).toEqual({ bids: fake?.bids, asks: fake?.asks });
    expect(frames(raw).filter((f) => f.e === 'depthUpdate')).toHaveLength(41);
  });
});
