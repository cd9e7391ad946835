import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import request, { type Response } from 'supertest';
import { type ConfluenceConfig, loadConfig, WeightsConfig } from '@app/config';
import { WeightManager } from '@app/confluence';
import { InputError, StoreUnavailableError } from '@app/contracts';
import { SignalsQueryDto } from '@app/contracts/dto';
import { hashApiKey, MarketBoard, OnDemandAnalysis, ResultQueries, type StreamView } from '@app/gateway';
import {
  candleFactory,
  createConfigFixture,
  type FastifyTestApp,
  RecordingLogger,
  signalChangeFactory,
} from '@app/testing';
import { CatalogController } from './catalog.controller.js';
import { startRestController } from './testing/rest-controller-kit.js';

/**
 * The real CatalogController over fakes of MarketBoard, ResultQueries, OnDemandAnalysis and
 * WeightManager, on Fastify with what production installs around it and its real guards built
 * from the shipped config: what each route hands the services, what it answers, and how the
 * services' errors answer.
 */

const KEY = 'ck_catalog_spec_bot_key';
/**
 * The shipped config with a second symbol override, written after the first (the answer lists the
 * overridden symbols sorted): a throw-away copy, patched, loaded, removed.
 */
function loadTestConfig(): ConfluenceConfig {
  const fixture = createConfigFixture();
  try {
    fixture.patch(
      'weights.yaml',
      '    thresholds: { short: 35, long: 65 }',
      '    thresholds: { short: 35, long: 65 }\n  BTC/USDT:\n    thresholds: { short: 38, long: 62 }',
    );
    return loadConfig({ env: { CONFIG_DIR: fixture.dir, API_KEY_HASHES: `bot:${hashApiKey(KEY)}` } });
  } finally {
    fixture.cleanup();
  }
}
const config = loadTestConfig();

const STREAM: StreamView = {
  exchange: 'binance',
  symbol: 'BTC/USDT',
  timeframe: '1m',
  status: 'warm',
  source: 'live',
  lastCandleTime: '2024-01-01T00:00:00.000Z',
  lastCandleAgeSeconds: 3,
  candlesSeen: 120,
  lastResult: { candleTime: '2024-01-01T00:00:00.000Z', score: 64, label: 'LONG' },
};

class FakeBoard implements Pick<MarketBoard, 'list'> {
  readonly list = jest.fn<MarketBoard['list']>();
}

class FakeQueries implements Pick<ResultQueries, 'signalHistory'> {
  readonly signalHistory = jest.fn<ResultQueries['signalHistory']>();
}

class FakeOnDemand implements Pick<OnDemandAnalysis, 'indicators'> {
  readonly indicators = jest.fn<OnDemandAnalysis['indicators']>();
}

/** Records the symbol asked for; answers the real sets of the test config. */
class FakeWeights implements Pick<WeightManager, 'forSymbol'> {
  readonly real = new WeightManager(config.weights);
  readonly forSymbol = jest.fn<WeightManager['forSymbol']>();
}

const board = new FakeBoard();
const queries = new FakeQueries();
const onDemand = new FakeOnDemand();
const weights = new FakeWeights();
const logger = new RecordingLogger();
let running: FastifyTestApp;

beforeAll(async () => {
  running = await startRestController({
    config,
    controller: CatalogController,
    providers: [
      { provide: MarketBoard, useValue: board },
      { provide: ResultQueries, useValue: queries },
      { provide: OnDemandAnalysis, useValue: onDemand },
      { provide: WeightManager, useValue: weights },
      { provide: WeightsConfig, useValue: config.weights },
    ],
    logger,
  });
});

afterAll(async () => {
  await running.close();
});

beforeEach(() => {
  board.list.mockReset().mockReturnValue([STREAM]);
  queries.signalHistory.mockReset().mockResolvedValue([]);
  onDemand.indicators.mockReset().mockImplementation((candles) => ({
    length: candles.length,
    indicators: { rsi14: candles.map(() => null) },
  }));
  weights.forSymbol.mockReset().mockImplementation((symbol) => weights.real.forSymbol(symbol));
  logger.clear();
});

const api = () => request(running.server);
const bodyOf = (response: Response): unknown => response.body;
const fieldsOf = (response: Response): string[] =>
  (bodyOf(response) as { errors: { field: string }[] }).errors.map((issue) => issue.field);

describe('GET /v1/markets', () => {
  it("answers the board's list, as listed", async () => {
    const response = await api().get('/v1/markets').expect(200);

    expect(board.list.mock.calls).toEqual([[]]);
    expect(bodyOf(response)).toEqual({ markets: [STREAM] });
  });
});

describe('GET /v1/signals', () => {
  it('hands signalHistory() the query with its numbers parsed (the symbol as sent) and lists the changes', async () => {
    const change = signalChangeFactory.build({ from: 'NEUTRAL', to: 'LONG', score: 66 });
    queries.signalHistory.mockResolvedValue([change]);

    const response = await api()
      .get('/v1/signals?exchange=binance&symbol=BTC-USDT&timeframe=1m&since=1000&limit=10')
      .expect(200);

    expect(queries.signalHistory).toHaveBeenCalledTimes(1);
    const [query] = queries.signalHistory.mock.calls[0] ?? [];
    expect(query).toBeInstanceOf(SignalsQueryDto);
    expect({ ...query }).toEqual({
      exchange: 'binance',
      symbol: 'BTC-USDT',
      timeframe: '1m',
      since: 1000,
      limit: 10,
    });
    expect(bodyOf(response)).toEqual({ items: [change] });
  });

  it('passes an empty query when nothing is asked, and refuses bad filters before asking', async () => {
    await api().get('/v1/signals').expect(200);
    const [query] = queries.signalHistory.mock.calls[0] ?? [];
    expect({ ...query }).toEqual({});

    const refused = await api().get('/v1/signals?since=-1&limit=5000&timeframe=7m').expect(400);
    expect(fieldsOf(refused).sort()).toEqual(['limit', 'since', 'timeframe']);
    expect(queries.signalHistory).toHaveBeenCalledTimes(1);
  });

  it('StoreUnavailableError → 503 with its message; an unknown Error → a bare 500, logged', async () => {
    queries.signalHistory.mockRejectedValueOnce(
      new StoreUnavailableError('the store did not answer in time'),
    );
    const unavailable = await api().get('/v1/signals').expect(503);
    expect(bodyOf(unavailable)).toMatchObject({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'the store did not answer in time',
    });

    queries.signalHistory.mockRejectedValueOnce(new TypeError("Cannot read properties of undefined ('to')"));
    const failed = await api().get('/v1/signals').expect(500);
    expect(bodyOf(failed)).toMatchObject({ statusCode: 500, message: 'Internal server error' });
    expect(failed.text).not.toContain('Cannot read');
    expect(logger.errors.join('\n')).toContain("Cannot read properties of undefined ('to')");
  });
});

describe('GET /v1/weights', () => {
  it('answers the global set with symbol null, and every overridden symbol, sorted', async () => {
    const response = await api().get('/v1/weights').expect(200);

    expect(weights.forSymbol.mock.calls).toEqual([[undefined]]);
    expect(Object.keys(config.weights.overrides)).toEqual(['LTC/USDT', 'BTC/USDT']);
    expect(bodyOf(response)).toEqual({
      symbol: null,
      weights: JSON.parse(JSON.stringify(weights.real.forSymbol())) as unknown,
      overrides: ['BTC/USDT', 'LTC/USDT'],
    });
  });

  it("normalises a path-style symbol before asking for its set, and answers that symbol's set", async () => {
    const response = await api().get('/v1/weights?symbol=LTC-USDT').expect(200);

    expect(weights.forSymbol.mock.calls).toEqual([['LTC/USDT']]);
    const ltc = weights.real.forSymbol('LTC/USDT');
    expect(ltc.thresholds).toEqual({ short: 35, long: 65 });
    expect(bodyOf(response)).toMatchObject({ symbol: 'LTC/USDT', weights: { thresholds: ltc.thresholds } });
  });

  it('refuses a malformed symbol with 400 naming it', async () => {
    const response = await api().get('/v1/weights?symbol=btc_usdt').expect(400);

    expect(bodyOf(response)).toMatchObject({
      errors: [{ field: 'symbol', message: 'must be a symbol like BTC/USDT (or BTC-USDT)' }],
    });
    expect(weights.forSymbol).not.toHaveBeenCalled();
  });
});

describe('POST /v1/indicators', () => {
  const candles = candleFactory.buildList(3);

  it('hands indicators() the parsed candles and answers 200 with its series', async () => {
    const response = await api()
      .post('/v1/indicators')
      .set('X-API-Key', KEY)
      .send({ candles, timeframe: '1m' })
      .expect(200);

    expect(onDemand.indicators.mock.calls).toEqual([[candles]]);
    expect(bodyOf(response)).toEqual({ length: 3, indicators: { rsi14: [null, null, null] } });
  });

  it('needs an API key (401) and JSON (415); refuses bad candles (400) without computing', async () => {
    const anonymous = await api().post('/v1/indicators').send({ candles }).expect(401);
    expect(bodyOf(anonymous)).toMatchObject({ message: 'X-API-Key header required' });
    await api()
      .post('/v1/indicators')
      .set({ 'X-API-Key': KEY, 'Content-Type': 'application/x-www-form-urlencoded' })
      .send('candles=1')
      .expect(415);
    const misaligned = await api()
      .post('/v1/indicators')
      .set('X-API-Key', KEY)
      .send({ candles: [candleFactory.raw({ timestamp: 1_000, low: 200 })], timeframe: '1m' })
      .expect(400);
    expect(fieldsOf(misaligned)).toEqual(expect.arrayContaining(['candles[0].low', 'candles[0].timestamp']));

    expect(onDemand.indicators).not.toHaveBeenCalled();
  });

  it('answers an InputError from the service with 400 and its fields', async () => {
    const issues = [{ field: 'candles', message: 'too few candles for any indicator' }];
    onDemand.indicators.mockImplementation(() => {
      throw new InputError(issues);
    });

    const response = await api().post('/v1/indicators').set('X-API-Key', KEY).send({ candles }).expect(400);

    expect(bodyOf(response)).toMatchObject({
      statusCode: 400,
      message: 'invalid input: candles',
      errors: issues,
    });
  });
});
