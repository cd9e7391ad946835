import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { loadConfig } from '@app/config';
import type { Candle } from '@app/confluence';
import { EventBus, MarketEventName } from '@app/contracts';
import { type MarketDataStatus, warmupCandlesFor } from '@app/market';
import { CandleRepository, type StoredCandle, StoreWriter } from '@app/persistence';
import { initServiceApp } from '@app/platform';
import {
  alignedFakeDataset,
  type ConfigFixture,
  createConfigFixture,
  FakeExchangeServer,
  httpServerOf,
} from '@app/testing';
import { SteppedClock } from '../libs/testing/src/stepped-clock.js';
import { marketDataApp } from './market-data-kit.js';

/**
 * Issue #18: market-data restarted long after its last stored candle. Each stream resumes after
 * the newest *live* candle in the store, so the store has no hole; where the hole is longer than
 * `resume.maxCandles`, /health/market-data names what was left out. As Nest runs it, on the real
 * ccxt against the loopback fake Binance, on a stepped virtual clock.
 */

const M = 60_000;
const dataset = alignedFakeDataset();
const first = dataset.get('binance', 'BTC/USDT', '1m')?.[0]?.timestamp ?? 0;
const NOW = first + 2_000 * M + 30_000;
const LAST_CLOSED = first + 1_999 * M;

let clock: SteppedClock;
let server: FakeExchangeServer;
let fixture: ConfigFixture;
let app: INestApplication | undefined;
let candles: CandleRepository;
let writer: StoreWriter;
let warmup: number;
const received = new Map<string, Candle[]>();

function stored(symbol: string, timestamp: number, source: StoredCandle['source'] = 'live'): StoredCandle {
  const candle = dataset.get('binance', symbol, '1m')?.find((c) => c.timestamp === timestamp);
  if (candle === undefined) throw new Error(`no ${symbol} candle at ${timestamp}`);
  return { exchange: 'binance', symbol, timeframe: '1m', source, ...candle };
}

beforeAll(async () => {
  clock = new SteppedClock(NOW, 1);
  server = await FakeExchangeServer.start({ now: () => clock.now(), dataset });
  const urls = Object.entries(server.binanceApiUrls())
    .map(([key, url]) => `${key}: '${url}'`)
    .join(', ');
  fixture = createConfigFixture();
  warmup = warmupCandlesFor(loadConfig({ env: { CONFIG_DIR: fixture.dir } }).indicators);
  fixture.write(
    'exchanges.yaml',
    `source: live\nresume: { maxCandles: ${warmup + 100} }\nexchanges:\n` +
      `  - id: binance\n    symbols: [BTC/USDT, LTC/USDT]\n    timeframes: [1m, 5m]\n` +
      `    data: { candles: true, orderBook: { enabled: false, depth: 10, record: [] }, trades: false }\n` +
      `    polling: { candlesMs: 5000 }\n    requestTimeoutMs: 30000\n    transport: polling\n    apiUrls: { ${urls} }\n`,
  );
  const built = await marketDataApp(loadConfig({ env: { CONFIG_DIR: fixture.dir } }), clock);
  const { moduleRef } = built;
  app = built.app;
  candles = moduleRef.get(CandleRepository);
  writer = moduleRef.get(StoreWriter);
  // What the last run stored: BTC up to `warmup + 50` candles ago (a replay candle dated later
  // must not count), LTC up to `warmup + 160` ago, 60 more than the bound reaches.
  await candles.upsertMany([
    stored('BTC/USDT', LAST_CLOSED - (warmup + 51) * M),
    stored('BTC/USDT', LAST_CLOSED - (warmup + 50) * M),
    stored('BTC/USDT', LAST_CLOSED + 60 * M, 'replay'),
    stored('LTC/USDT', LAST_CLOSED - (warmup + 160) * M),
  ]);
  moduleRef.get(EventBus).subscribe(MarketEventName.CandleClosed, (event) => {
    const { timestamp, open, high, low, close, volume } = event.candle;
    const key = `${event.symbol} ${event.timeframe}`;
    const list = received.get(key) ?? [];
    list.push({ timestamp, open, high, low, close, volume });
    received.set(key, list);
  });
  await initServiceApp(app);
});

afterAll(async () => {
  await app?.close();
  await server.stop();
  fixture.cleanup();
});

describe('market-data after a stop longer than the warm-up (issue #18)', () => {
  it('backfills each stream from its last stored live candle, leaving no hole in the store', async () => {
    const from = LAST_CLOSED - (warmup + 49) * M;
    await clock.runUntil(
      () => (received.get('BTC/USDT 1m')?.length ?? 0) >= warmup + 50,
      'the resume backfill',
      60 * M,
    );
    const expected = dataset
      .get('binance', 'BTC/USDT', '1m')
      ?.filter((c) => c.timestamp >= from && c.timestamp <= LAST_CLOSED);
    expect(received.get('BTC/USDT 1m')?.slice(0, warmup + 50)).toEqual(expected);

    await writer.flush();
    const inStore = await candles.range({
      market: { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' },
      from: LAST_CLOSED - (warmup + 51) * M,
      to: LAST_CLOSED,
    });
    expect(inStore.map((c) => c.timestamp)).toEqual(
      Array.from({ length: warmup + 52 }, (_, i) => LAST_CLOSED - (warmup + 51 - i) * M),
    );
    expect(new Set(inStore.map((c) => c.source))).toEqual(new Set(['live']));
  });

  it('names the part of a longer hole that resume.maxCandles left out in /health/market-data', async () => {
    if (app === undefined) throw new Error('the app did not start');
    const response = await request(httpServerOf(app)).get('/health/market-data').expect(200);
    const markets = (response.body as MarketDataStatus).exchanges[0]?.markets ?? [];
    const stream = new Map(markets.map((market) => [`${market.symbol} ${market.timeframe}`, market]));
    // The 5m streams had nothing stored: their warm-up, nothing left out.
    for (const key of ['BTC/USDT 1m', 'BTC/USDT 5m', 'LTC/USDT 5m'])
      expect(stream.get(key)?.unbackfilled).toBeNull();
    expect(stream.get('LTC/USDT 1m')?.unbackfilled).toEqual({
      from: LAST_CLOSED - (warmup + 159) * M,
      to: LAST_CLOSED - (warmup + 100) * M,
      candles: 60,
    });
    expect(received.get('LTC/USDT 1m')?.[0]?.timestamp).toBe(LAST_CLOSED - (warmup + 99) * M);
    expect(stream.get('LTC/USDT 1m')).toMatchObject({ missing: 0, pendingGaps: [], missingGaps: [] });
  });
});
