import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { InProcessEventBus } from '@app/bus';
import { loadConfig } from '@app/config';
import { type ConfluenceResult, createConfluenceEngine } from '@app/confluence';
import {
  type AvailableOpinion,
  AnalysisEventName,
  DataSource,
  type Signal,
  type ValidationSample,
} from '@app/contracts';
import { type StoreRepositories, storedResult, StoreWriter } from '@app/persistence';
import { loadMarketCandles, MARKET_FILES, PROJECT_CONFIG_DIR } from '@app/testing';
import { horizonPerformance, joinedForwardReturns, labelReport } from '@app/validation';
import { indexedRepositories } from '../../persistence/src/testing/test-repositories.js';
// By path: the test store loads mongoose and the embedded server (see its comment).
import { openTestStore, type TestStore } from '../../testing/src/test-store.js';
import { OpinionPublisher } from './opinion-publisher.js';

/**
 * Where a published opinion goes, on the real write path and store: onto its stored result, onto
 * the result's forward-validation sample (its labels, scored beside the engine's), and on the bus.
 */

const BTC = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' } as const;
const config = loadConfig({ env: { CONFIG_DIR: PROJECT_CONFIG_DIR } });
const silent = { warn: () => undefined, error: () => undefined };
const flip = (label: Signal): Signal => (label === 'LONG' ? 'SHORT' : label === 'SHORT' ? 'LONG' : 'NEUTRAL');

let store: TestStore;
let repos: StoreRepositories;
/** Real results of the bundled BTC 1m candles, each with its candle's close. */
const results: { result: ConfluenceResult; close: number }[] = [];

const opinionOf = (result: ConfluenceResult, blended: boolean): AvailableOpinion => ({
  status: 'ok',
  signal: flip(result.label),
  confidence: 0.6,
  reasoning: 'contrarian',
  risks: [],
  agrees: flip(result.label) === result.label,
  ...(blended ? { blended: { weight: 0.5, score: 50, label: 'NEUTRAL' as const } } : {}),
  model: 'gpt-4o-mini',
  promptVersion: 'opinion-v1',
  promptHash: 'b'.repeat(64),
  inputHash: result.inputHash,
  createdAt: result.computedAt + 1_000,
  cached: false,
});

beforeAll(async () => {
  store = await openTestStore();
  repos = await indexedRepositories(await store.connect());
  const engine = createConfluenceEngine({ indicators: config.indicators, weights: config.weights });
  for (const candle of loadMarketCandles(MARKET_FILES.btc1m, 400)) {
    engine.addCandle(BTC, candle);
    const outcome = engine.analyze(BTC, candle.timestamp + 60_000);
    if (outcome.status === 'ready') results.push({ result: outcome.result, close: candle.close });
  }
  const now = Date.now();
  await repos.results.saveMany(
    results.map(({ result }) => storedResult(result)),
    now,
  );
  await repos.samples.saveMany(
    results.map(({ result, close }): ValidationSample => ({
      ...BTC,
      candleTime: result.candleTime,
      close,
      score: result.score,
      label: result.label,
      components: {},
      inputHash: result.inputHash,
    })),
    now,
  );
});

afterAll(async () => {
  await store.close();
});

describe('OpinionPublisher', () => {
  it('puts each opinion on its result and its sample, whose labels the LLM statistics then score', async () => {
    expect(results.length).toBeGreaterThan(100);
    const writer = new StoreWriter({ capacity: 1_000, retryBaseMs: 10, retryMaxMs: 20, logger: silent });
    const busLog: string[] = [];
    const bus = new InProcessEventBus({ warn: (l) => busLog.push(l), error: (l) => busLog.push(l) });
    const heard: number[] = [];
    bus.subscribe(AnalysisEventName.LlmOpinion, (event) => {
      heard.push(event.candleTime);
    });
    const publisher = new OpinionPublisher({
      bus,
      writer,
      results: repos.results,
      samples: repos.samples,
      now: () => 0,
    });
    // An opinion on every other result, the blended label on every fourth.
    const asked = results.filter((_, i) => i % 2 === 0);
    for (const [i, { result }] of asked.entries())
      await publisher.publish(result, DataSource.Replay, opinionOf(result, i % 2 === 0));
    await writer.flush();

    expect(busLog).toEqual([]);
    expect(heard).toEqual(asked.map(({ result }) => result.candleTime));
    const first = asked[0]!.result;
    const stored = await repos.results.history({
      market: BTC,
      from: first.candleTime,
      to: first.candleTime,
      limit: 1,
    });
    expect(stored.items[0]?.llm).toEqual(opinionOf(first, true));

    const samples = await repos.samples.range(BTC, 0, results.at(-1)!.result.candleTime, 10_000);
    expect(samples.filter((s) => s.llm !== undefined).map((s) => s.candleTime)).toEqual(
      asked.map(({ result }) => result.candleTime),
    );
    expect(samples[0]?.llm).toEqual({ label: flip(first.label), blended: 'NEUTRAL' });
    expect(samples[2]?.llm).toEqual({ label: flip(results[2]!.result.label) });

    const forward = joinedForwardReturns(samples, '1m', 1);
    const report = horizonPerformance(samples, forward, {
      horizon: 1,
      minIndependent: 30,
      resamples: 200,
      folds: 4,
    });
    const ic = { horizon: 1, minIndependent: 30, resamples: 200, seed: 1 };
    const onAsked = samples.map((s) => (s.llm === undefined ? null : s.llm.label));
    // The newest result has no forward return yet.
    const last = results.at(-1)!.result.candleTime;
    expect(report.opinions?.n).toBe(asked.filter(({ result }) => result.candleTime < last).length);
    expect(report.opinions?.llm).toEqual(labelReport(onAsked, forward, ic));
    expect(report.opinions?.engine).toEqual(
      labelReport(
        samples.map((s) => (s.llm === undefined ? null : s.label)),
        forward,
        ic,
      ),
    );
    // The model said the opposite of the engine wherever the engine took a side.
    expect(report.opinions?.llm?.byLabel.LONG.n).toBe(report.opinions?.engine?.byLabel.SHORT.n);
  });

  it('leaves a sample whose inputs the opinion is not about without one', async () => {
    const writer = new StoreWriter({ capacity: 10, retryBaseMs: 10, retryMaxMs: 20, logger: silent });
    const publisher = new OpinionPublisher({
      bus: new InProcessEventBus(silent),
      writer,
      results: repos.results,
      samples: repos.samples,
      now: () => 0,
    });
    const { result } = results[1]!;
    const stale = { ...opinionOf(result, false), inputHash: 'e'.repeat(64) };
    await publisher.publish(result, DataSource.Replay, stale);
    await writer.flush();

    const [sample] = await repos.samples.range(BTC, result.candleTime, result.candleTime, 1);
    expect(sample?.llm).toBeUndefined();
    expect(writer.status()).toMatchObject({ written: 1, rejected: 0 });
  });
});
