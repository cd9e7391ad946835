import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { loadConfig } from '@app/config';
import type { Candle } from '@app/confluence';
import { EventBus, MarketEventName, timeframeToMs } from '@app/contracts';
import type { MarketDataStatus } from '@app/market';
import { initServiceApp, type ReadinessBody } from '@app/platform';
import {
  alignedFakeDataset,
  type ConfigFixture,
  createConfigFixture,
  type FakeDataset,
  FakeExchangeServer,
  httpServerOf,
} from '@app/testing';
import { SteppedClock } from '../libs/testing/src/stepped-clock.js';
import { marketDataApp } from './market-data-kit.js';

/**
 * Issue 23 as a user meets it: market-data streaming from the fake Binance through ccxt pro. Its
 * health and metrics say where each data kind comes from; a silent stream turns readiness
 * `degraded` with the kinds it polls instead, and back; the candles on the bus are the recorded
 * ones throughout. Market time is virtual: it steps while the feed sleeps, and the fake sends
 * what each step made due.
 */

const SYMBOLS = ['BTC/USDT', 'LTC/USDT'] as const;
/** Virtual time any one wait may take. */
const WITHIN_MS = 30 * 60_000;

let clock: SteppedClock;
let server: FakeExchangeServer;
let dataset: FakeDataset;
let fixture: ConfigFixture;
let app: INestApplication;
const received = new Map<string, Candle[]>();

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  const limit = clock.now() + WITHIN_MS;
  while (!(await condition())) {
    if (clock.now() >= limit) throw new Error(`${what}: not reached within ${WITHIN_MS} ms of virtual time`);
    await clock.step();
    await server.pumpStreams();
    await delay(1);
    await clock.idle();
  }
}

async function health(): Promise<MarketDataStatus['exchanges'][number]> {
  const response = await request(httpServerOf(app)).get('/health/market-data');
  const body = response.body as MarketDataStatus;
  const binance = body.exchanges.find((exchange) => exchange.exchange === 'binance');
  if (binance === undefined) throw new Error('no binance in /health/market-data');
  return binance;
}

async function readiness(): Promise<ReadinessBody> {
  return (await request(httpServerOf(app)).get('/health/ready')).body as ReadinessBody;
}

/** Every 1m series has every recorded candle from its first one through the last closed one. */
function exact(): boolean {
  return SYMBOLS.every((symbol) => {
    const got = received.get(symbol) ?? [];
    const first = got[0]?.timestamp ?? 0;
    const expected = (dataset.get('binance', symbol, '1m') ?? []).filter(
      (candle) => candle.timestamp >= first && candle.timestamp + timeframeToMs('1m') <= clock.now(),
    );
    return got.length > 0 && JSON.stringify(got) === JSON.stringify(expected);
  });
}

beforeAll(async () => {
  dataset = alignedFakeDataset();
  const first = dataset.get('binance', 'BTC/USDT', '1m')?.[0]?.timestamp ?? 0;
  clock = new SteppedClock(first + 1_200 * 60_000 + 30_000, 1);
  server = await FakeExchangeServer.start({ now: () => clock.now(), dataset });
  const rest = Object.entries(server.binanceApiUrls())
    .map(([key, url]) => `${key}: '${url}'`)
    .join(', ');
  const ws = server.binanceWsUrls();
  fixture = createConfigFixture({
    'exchanges.yaml':
      'source: live\nexchanges:\n' +
      `  - id: binance\n    symbols: [${SYMBOLS.join(', ')}]\n    timeframes: [1m, 5m]\n` +
      '    data: { candles: true, orderBook: { enabled: true, depth: 10, record: [] }, trades: true }\n' +
      '    polling: { candlesMs: 5000, orderBookMs: 5000, tradesMs: 5000 }\n' +
      '    transport: websocket\n' +
      // Virtual time steps far faster than the frames travel, so silence is judged over two
      // virtual minutes, hundreds of steps; each step also yields to the sockets.
      '    stream: { silenceMs: 120000, reconnect: { baseMs: 1000, maxMs: 4000 } }\n' +
      `    apiUrls: { ${rest} }\n` +
      `    wsUrls: { spot: '${ws.spot}', future: '${ws.future}' }\n`,
  });
  const built = await marketDataApp(loadConfig({ env: { CONFIG_DIR: fixture.dir } }), clock);
  app = built.app;
  built.moduleRef.get(EventBus).subscribe(MarketEventName.CandleClosed, (event) => {
    if (event.timeframe !== '1m') return;
    const { timestamp, open, high, low, close, volume } = event.candle;
    received.set(event.symbol, [
      ...(received.get(event.symbol) ?? []),
      { timestamp, open, high, low, close, volume },
    ]);
  });
  await initServiceApp(app);
});

afterAll(async () => {
  await app.close();
  await server.stop();
  fixture.cleanup();
});

describe('market-data streaming from the exchange (issue 23)', () => {
  it('streams, says so, falls back to polling while the stream is silent, and streams again', async () => {
    await until(async () => {
      const { streams } = await health();
      return Object.values(streams.kinds).every((state) => state === 'streaming');
    }, 'every kind streaming');
    expect((await readiness()).status).toBe('ok');
    const start = clock.now();
    await until(
      () => Promise.resolve(clock.now() >= start + 3 * 60_000 && exact()),
      'three minutes streamed',
    );

    expect((await health()).streams.silences).toBe(0);
    server.streamFault('binance', { kind: 'silence' });
    await until(async () => (await health()).streams.silences >= 1, 'the silence noticed');
    const silent = await health();
    expect(silent.status).toBe('degraded');
    expect(silent.streams.kinds).toMatchObject({
      candles: 'polling (fallback)',
      trades: 'polling (fallback)',
    });
    expect(silent.reason).toMatch(/^streams down, polling \(fallback\): candles, trades/);
    // The watchdog looks every silenceMs / 4: silence is noticed 120–150 s after the last frame.
    const quiet = Number(/no data for (\d+) ms/.exec(silent.streams.lastError ?? '')?.[1]);
    expect(quiet).toBeGreaterThanOrEqual(120_000);
    expect(quiet).toBeLessThanOrEqual(150_000 + 60_000);
    const ready = await readiness();
    expect(ready.status).toBe('degraded');
    // Polling keeps the series whole while the stream says nothing.
    const silentAt = clock.now();
    await until(() => Promise.resolve(clock.now() >= silentAt + 2 * 60_000 && exact()), 'two minutes polled');

    server.clearStreamFaults('binance');
    await until(async () => {
      const { streams, status } = await health();
      return status === 'ok' && Object.values(streams.kinds).every((state) => state === 'streaming');
    }, 'streaming again');
    const back = clock.now();
    await until(
      () => Promise.resolve(clock.now() >= back + 2 * 60_000 && exact()),
      'two more minutes streamed',
    );

    const metrics = (await request(httpServerOf(app)).get('/metrics')).text;
    expect(metrics).toContain(
      'confluence_stream_state{exchange="binance",kind="candles",state="streaming"} 1',
    );
    expect(metrics).toMatch(/confluence_stream_silences_total\{exchange="binance"\} [1-9]/);
    expect(metrics).toMatch(/confluence_stream_candles_total\{exchange="binance"\} [1-9]/);
  });
});
