import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { type ConfluenceConfig, loadConfig } from '@app/config';
import { type Candle, type ConfluenceResult, createConfluenceEngine } from '@app/confluence';
import { COMPONENT_NAMES, type ValidationSample } from '@app/contracts';
import { ForwardValidation } from '@app/gateway';
import { SAMPLE_COLLECTION, SNAPSHOT_COLLECTION, ValidationSampleRepository } from '@app/persistence';
import { createServiceApp, initServiceApp } from '@app/platform';
import {
  calibrateProbability,
  forwardLogReturns,
  informationCoefficient,
  joinedForwardReturns,
  labelReport,
  spearman,
} from '@app/validation';
import {
  type ConfigFixture,
  createConfigFixture,
  createReplayDataDir,
  httpServerOf,
  loadMarketCandles,
  MARKET_FILES,
  type ReplayDataDir,
} from '@app/testing';
// By path: the test store loads mongoose and the embedded server.
import { openTestStore, type TestStore } from '../libs/testing/src/test-store.js';
import { localService } from '../local/local.definition.js';
import { waitForStoredReplay } from './gateway-kit.js';
import { type OpenApiDocument, openApiResponses } from './openapi-responses.js';

/**
 * Forward validation on the real pipeline (local mode over a store that outlives the process):
 * a slice of the bundled BTC 1m candles is replayed, every stored result keeps its sample, and
 * GET /v1/performance, the rolling-IC gauge and each result's probability must equal what the
 * engine run offline over the same candles gives through the statistics functions — field by
 * field. A restart that replays the same candles must not add a sample.
 */

// The first result comes at the 50th candle: 851 results, 34 independent returns at 24 candles (≥ 30).
const CANDLES = 900;
const BTC = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' } as const;
const csv: readonly Candle[] = loadMarketCandles(MARKET_FILES.btc1m, CANDLES);
const closeAt = new Map(csv.map((candle) => [candle.timestamp, candle.close]));

let store: TestStore;
let fixture: ConfigFixture;
let data: ReplayDataDir;
let config: ConfluenceConfig;
let app: INestApplication | undefined;
let offlineResults: ConfluenceResult[] | undefined;

/** The offline reference: the engine fed the same candles directly, one result per candle once warm. */
function offlineRun(): ConfluenceResult[] {
  offlineResults ??= engineRun();
  return offlineResults;
}

function engineRun(): ConfluenceResult[] {
  const engine = createConfluenceEngine({ indicators: config.indicators, weights: config.weights });
  const results: ConfluenceResult[] = [];
  for (const candle of csv) {
    expect(engine.addCandle(BTC, candle)).toEqual({ accepted: true });
    const outcome = engine.analyze(BTC, candle.timestamp + 60_000);
    if (outcome.status === 'ready') results.push(outcome.result);
  }
  return results;
}

async function startApp(): Promise<INestApplication> {
  const started = await createServiceApp(config, localService);
  await initServiceApp(started);
  await waitForStoredReplay(started);
  return started;
}

const api = () => request(httpServerOf(app ?? fail()));
const fail = (): never => {
  throw new Error('the app is not running');
};
const allSamples = async (): Promise<ValidationSample[]> =>
  (app ?? fail()).get(ValidationSampleRepository).range(BTC, 0, csv.at(-1)?.timestamp ?? 0, 100_000);

beforeAll(async () => {
  store = await openTestStore();
  data = createReplayDataDir([{ file: MARKET_FILES.btc1m, limit: CANDLES }]);
  fixture = createConfigFixture();
  fixture.patch('exchanges.yaml', 'speed: 60', 'speed: max');
  fixture.patch('app.yaml', 'logUpdates: true', 'logUpdates: false');
  config = loadConfig({
    env: {
      CONFIG_DIR: fixture.dir,
      DATA_DIR: data.dir,
      MONGODB_URI: `${store.uri.replace(/\/$/, '')}/${store.dbName}`,
    },
  });
  app = await startApp();
}, 60_000);

afterAll(async () => {
  await app?.close();
  await store.close();
  fixture.cleanup();
  data.cleanup();
});

describe('forward validation in local mode', () => {
  it('keeps one sample per stored result: its close from the CSV, and forward returns exactly ln(close[t+h] / close[t])', async () => {
    const offline = offlineRun();
    const samples = await allSamples();

    expect(samples.map((s) => s.candleTime)).toEqual(offline.map((r) => r.candleTime));
    expect(samples.map((s) => [s.score, s.label, s.inputHash])).toEqual(
      offline.map((r) => [r.score, r.label, r.inputHash]),
    );
    for (const sample of samples) expect(sample.close).toBe(closeAt.get(sample.candleTime));
    const index = new Map(csv.map((candle, i) => [candle.timestamp, i]));
    for (const horizon of config.validation.horizons) {
      const joined = joinedForwardReturns(samples, '1m', horizon);
      samples.forEach((sample, i) => {
        const t = index.get(sample.candleTime) ?? -1;
        const later = csv[t + horizon];
        // Past the slice's last candle the horizon has not passed: no return, never a guess.
        expect(joined[i]).toBe(
          later === undefined ? Number.NaN : Math.log(later.close / (csv[t]?.close ?? 0)),
        );
      });
    }
  });

  it('answers GET /v1/performance with the statistics of the offline run, field by field', async () => {
    const offline = offlineRun();
    const response = await api()
      .get('/v1/performance?exchange=binance&symbol=BTC-USDT&timeframe=1m')
      .expect(200);
    const body = response.body as {
      window: unknown;
      horizons: Record<string, unknown>[];
    };
    const { horizons, minIndependent, resamples, probability } = config.validation;
    const scores = offline.map((r) => r.score);
    const closes = offline.map((r) => closeAt.get(r.candleTime) ?? Number.NaN);
    const last = offline.at(-1)?.candleTime ?? 0;

    expect(body.window).toEqual({
      from: last - config.validation.window.days * 86_400_000,
      to: last,
      firstCandle: offline[0]?.candleTime,
      lastCandle: last,
      samples: offline.length,
      truncated: false,
    });
    expect(body.horizons.map((h) => h.horizon)).toEqual(horizons);
    for (const [k, horizon] of horizons.entries()) {
      const forward = forwardLogReturns(closes, horizon);
      const options = { horizon, resamples, minIndependent, seed: 1 };
      const score = informationCoefficient(scores, forward, options);
      const got = body.horizons[k] ?? {};
      expect(score.sufficient).toBe(true);
      expect(got.score).toEqual(score);
      expect(got).toMatchObject({ n: score.n, independent: score.independent, sufficient: true });
      expect(got.labels).toEqual(
        labelReport(
          offline.map((r) => r.label),
          forward,
          options,
        ),
      );
      for (const name of COMPONENT_NAMES) {
        const series = offline.map(
          (r) =>
            r.timeframes
              .find((frame) => frame.timeframe === '1m')
              ?.components.find((c) => c.component === name)?.score ?? Number.NaN,
        );
        expect([name, (got.components as Record<string, unknown>)[name]]).toEqual([
          name,
          informationCoefficient(series, forward, options),
        ]);
      }
      expect(got.probability).toEqual(
        calibrateProbability(scores, forward, { ...options, folds: probability.folds }).outOfSample,
      );
      // No opinions in this run: nothing to score beside the engine's labels.
      expect(got.opinions).toEqual({
        n: 0,
        independent: 0,
        sufficient: false,
        engine: null,
        llm: null,
        blended: null,
      });
    }
    const openApi = openApiResponses((await api().get('/docs-json').expect(200)).body as OpenApiDocument);
    expect(openApi.check('get', '/v1/performance', 200, body)).toBeNull();
  });

  it('answers an insufficient window with sufficient: false and no figures', async () => {
    const offline = offlineRun();
    const from = offline[100]?.candleTime ?? 0;
    const to = offline[299]?.candleTime ?? 0;
    const response = await api()
      .get(`/v1/performance?exchange=binance&symbol=BTC/USDT&horizon=24&from=${from}&to=${to}`)
      .expect(200);

    // 200 samples at 24 candles: 8 independent returns, below 30.
    expect(response.body).toEqual({
      ...BTC,
      window: { from, to, firstCandle: from, lastCandle: to, samples: 200, truncated: false },
      minIndependent: 30,
      horizons: [
        {
          horizon: 24,
          n: 200,
          independent: 8,
          sufficient: false,
          score: { n: 200, independent: 8, sufficient: false, ic: null, interval: null, nullP: null },
          components: null,
          labels: null,
          opinions: null,
          probability: null,
        },
      ],
    });
  });

  it('refuses bad query fields with 400 naming them, and an unknown market with 404', async () => {
    const bad = await api()
      .get('/v1/performance?exchange=binance&symbol=BTC-USDT&horizon=0&from=x')
      .expect(400);
    const inverted = await api()
      .get('/v1/performance?exchange=binance&symbol=BTC-USDT&from=2&to=1')
      .expect(400);
    const unknown = await api().get('/v1/performance?exchange=binance&symbol=DOGE-USDT').expect(404);

    const fields = (body: unknown) =>
      [...new Set((body as { errors: { field: string }[] }).errors.map((e) => e.field))].sort();
    expect(fields(bad.body)).toEqual(['from', 'horizon']);
    expect(fields(inverted.body)).toEqual(['from']);
    expect(unknown.body).toMatchObject({ statusCode: 404 });
  });

  it('exports the rolling IC gauge and shows P(up) with the latest result, as the offline fit gives', async () => {
    const offline = offlineRun();
    const validation = (app ?? fail()).get(ForwardValidation);
    await validation.refreshGauges();
    await validation.refitProbabilities();
    const scores = offline.map((r) => r.score);
    const closes = offline.map((r) => closeAt.get(r.candleTime) ?? Number.NaN);

    const metrics = (await api().get('/metrics').expect(200)).text;
    for (const horizon of config.validation.horizons) {
      const labels = `exchange="binance",symbol="BTC/USDT",timeframe="1m",horizon="${horizon}"`;
      const forward = forwardLogReturns(closes, horizon);
      expect(metrics).toContain(`confluence_score_ic{${labels}} ${spearman(scores, forward)}\n`);
      expect(metrics).toContain(`confluence_score_ic_samples{${labels}} ${offline.length - horizon}\n`);
    }

    const latest = (await api().get('/v1/confluence/binance/BTC-USDT?timeframe=1m').expect(200)).body as {
      score: number;
      probability: unknown;
    };
    const score = offline.at(-1)?.score ?? Number.NaN;
    const expected = Object.fromEntries(
      config.validation.horizons.map((horizon) => {
        const fit = calibrateProbability(scores, forwardLogReturns(closes, horizon), {
          horizon,
          minIndependent: 30,
          folds: config.validation.probability.folds,
        });
        return [
          String(horizon),
          {
            sufficient: true,
            up: fit.map.predict(score),
            n: fit.n,
            brier: fit.outOfSample?.brier,
            brierBase: fit.outOfSample?.brierBase,
          },
        ];
      }),
    );
    expect(latest.probability).toEqual(expected);
    const openApi = openApiResponses((await api().get('/docs-json').expect(200)).body as OpenApiDocument);
    expect(openApi.check('get', '/v1/confluence/{exchange}/{symbol}', 200, latest)).toBeNull();
  });

  it('adds no sample when a restarted process replays the same candles (and recomputes them)', async () => {
    const before = await allSamples();
    const answered = (await api().get('/v1/performance?exchange=binance&symbol=BTC-USDT').expect(200))
      .body as unknown;
    await app?.close();
    app = undefined;
    // Without its saved snapshot the restarted worker warms up and computes every result again,
    // so each sample is written a second time.
    const connection = await store.connect();
    await connection.collection(SNAPSHOT_COLLECTION).deleteMany({});

    const restartedAt = Date.now();
    app = await startApp();

    const samples = connection.collection(SAMPLE_COLLECTION);
    expect(await samples.countDocuments({})).toBe(before.length);
    // Every sample was written again by the restarted process, in place.
    expect(await samples.countDocuments({ storedAt: { $lt: new Date(restartedAt) } })).toBe(0);
    expect(await allSamples()).toEqual(before);
    expect((await api().get('/v1/performance?exchange=binance&symbol=BTC-USDT').expect(200)).body).toEqual(
      answered,
    );
    await connection.close();
  }, 60_000);
});
