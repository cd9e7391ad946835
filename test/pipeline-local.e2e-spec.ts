import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { LocalAnalysisStatus } from '@app/analysis';
import { loadConfig } from '@app/config';
import { createConfluenceEngine } from '@app/confluence';
import { AnalysisEventName, EventBus, type Signal, type Timeframe } from '@app/contracts';
import { type CandleClosedEvent, type EventData } from '@app/contracts/dto';
import { parseReplayFileName, ReplaySource } from '@app/market';
import { ResultRepository, SignalRepository, type StoredResult } from '@app/persistence';
import { createServiceApp, initServiceApp } from '@app/platform';
import {
  type ConfigFixture,
  createConfigFixture,
  createReplayDataDir,
  httpServerOf,
  MARKET_FILES,
  type ReplayDataDir,
} from '@app/testing';
import { localService } from '../local/local.definition.js';
import { BOOT_TIMEOUT_MS, waitForStoredReplay } from './gateway-kit.js';

/**
 * The "done when" of local mode: the whole app in one process replays bundled candles through
 * market-data → bus → worker → store, and what it stores is what the engine computes directly.
 */

let app: INestApplication | undefined;
let fixture: ConfigFixture | undefined;
let data: ReplayDataDir | undefined;

afterAll(async () => {
  await app?.close();
  fixture?.cleanup();
  data?.cleanup();
});

const FILES = [
  { file: MARKET_FILES.btc1m, limit: 900 },
  { file: MARKET_FILES.btc5m, limit: 300 },
  { file: MARKET_FILES.ltc1m, limit: 700 },
];

interface Expected {
  readonly key: string;
  readonly candleTime: number;
  readonly score: number;
  readonly label: Signal;
  readonly inputHash: string;
  readonly configHash: string;
}

const streamKey = (m: { exchange: string; symbol: string; timeframe: string }): string =>
  `${m.exchange} ${m.symbol} ${m.timeframe}`;

/** The same replay, fed straight into one engine: the reference the pipeline must match. */
async function engineDirect(dataDir: string, config: ReturnType<typeof loadConfig>): Promise<Expected[]> {
  const events: EventData<CandleClosedEvent>[] = [];
  await new ReplaySource({
    files: FILES.map(({ file }) => ({
      ...(parseReplayFileName(file) ?? fail(file)),
      path: join(dataDir, file),
    })),
    speed: 'max',
    readFile: (path) => readFileSync(path, 'utf8'),
    now: () => 0,
    sleep: () => Promise.resolve(),
    publish: (event) => {
      events.push(event);
    },
  }).run();
  const engine = createConfluenceEngine({ indicators: config.indicators, weights: config.weights });
  const expected: Expected[] = [];
  for (const event of events) {
    const key = { exchange: event.exchange, symbol: event.symbol, timeframe: event.timeframe };
    expect(engine.addCandle(key, event.candle)).toEqual({ accepted: true });
    const outcome = engine.analyze(key, 0);
    if (outcome.status !== 'ready') continue;
    const { result } = outcome;
    expected.push({
      key: streamKey(key),
      candleTime: result.candleTime,
      score: result.score,
      label: result.label,
      inputHash: result.inputHash,
      configHash: result.configHash,
    });
  }
  return expected;
}

function fail(file: string): never {
  throw new Error(`unexpected replay file name ${file}`);
}

async function storedResults(
  repository: ResultRepository,
  key: Timeframe,
  market: string,
): Promise<StoredResult[]> {
  const [exchange = '', symbol = ''] = market.split(' ');
  const all: StoredResult[] = [];
  let cursor: string | undefined;
  do {
    const page = await repository.history({
      market: { exchange, symbol, timeframe: key },
      limit: 1000,
      ...(cursor === undefined ? {} : { cursor }),
    });
    all.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return all.reverse();
}

describe('local mode pipeline (market-data → bus → analysis-worker → store)', () => {
  it(
    'stores a result for every candle after warm-up, signals on label changes, identical to the engine',
    async () => {
      data = createReplayDataDir(FILES);
      fixture = createConfigFixture();
      fixture.patch('exchanges.yaml', 'speed: 60', 'speed: max');
      fixture.patch('app.yaml', 'logUpdates: true', 'logUpdates: false');
      const config = loadConfig({ env: { CONFIG_DIR: fixture.dir, DATA_DIR: data.dir } });
      app = await createServiceApp(config, localService);
      const updates: { key: string; candleTime: number; inputHash: string; trigger: string }[] = [];
      const changes: { key: string; time: number; from: Signal | null; to: Signal }[] = [];
      const bus = app.get(EventBus);
      bus.subscribe(AnalysisEventName.ConfluenceUpdated, (event) => {
        updates.push({
          key: streamKey(event),
          candleTime: event.candleTime,
          inputHash: event.inputHash,
          trigger: event.trigger,
        });
      });
      bus.subscribe(AnalysisEventName.SignalChanged, (event) => {
        changes.push({ key: streamKey(event), time: event.time, from: event.from, to: event.to });
      });
      await initServiceApp(app);

      const server = httpServerOf(app);
      const status = await waitForStoredReplay(app);
      expect(status.replay).toMatchObject({ finished: true, published: 1900 });

      const expected = await engineDirect(data.dir, config);
      // Every candle from the warm-up on has its result (the first results come once the engine is warm).
      const worker = (await request(server).get('/health/analysis-worker').expect(200))
        .body as LocalAnalysisStatus;
      expect(worker.counters).toMatchObject({
        candles: 1900,
        results: expected.length,
        rejected: 0,
        skippedCandles: 0,
      });
      expect(updates).toHaveLength(expected.length);
      expect(updates.every((u) => u.trigger === 'candle')).toBe(true);
      expect(updates.map(({ key, candleTime, inputHash }) => ({ key, candleTime, inputHash }))).toEqual(
        expected.map(({ key, candleTime, inputHash }) => ({ key, candleTime, inputHash })),
      );

      const results = app.get(ResultRepository);
      const signals = app.get(SignalRepository);
      for (const stream of ['binance BTC/USDT 1m', 'binance BTC/USDT 5m', 'binance LTC/USDT 1m']) {
        const [exchange = '', symbol = '', timeframe = ''] = stream.split(' ');
        const want = expected.filter((e) => e.key === stream);
        expect(want.length).toBeGreaterThan(100);
        const stored = await storedResults(results, timeframe as Timeframe, `${exchange} ${symbol}`);
        // Same candles, same hashes, same scores and labels as the engine run directly.
        expect(
          stored.map((r) => ({
            candleTime: r.candleTime,
            score: r.score,
            label: r.label,
            inputHash: r.inputHash,
            configHash: r.configHash,
          })),
        ).toEqual(
          want.map(({ candleTime, score, label, inputHash, configHash }) => ({
            candleTime,
            score,
            label,
            inputHash,
            configHash,
          })),
        );
        // A signal exactly where the label changes (the first label counts as a change from none).
        const transitions = want.filter((e, i) => i === 0 || want[i - 1]?.label !== e.label);
        const recorded = await signals.list({
          exchange,
          symbol,
          timeframe: timeframe as Timeframe,
          limit: 1000,
        });
        expect(recorded.reverse().map((s) => ({ time: s.time, to: s.to }))).toEqual(
          transitions.map((e) => ({ time: e.candleTime, to: e.label })),
        );
        expect(changes.filter((c) => c.key === stream).map((c) => c.time)).toEqual(
          transitions.map((e) => e.candleTime),
        );
      }
    },
    BOOT_TIMEOUT_MS,
  );
});
