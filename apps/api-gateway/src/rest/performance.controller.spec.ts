import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import request, { type Response } from 'supertest';
import { loadConfig } from '@app/config';
import { InputError, MAX_TIME_MS, NotFoundError } from '@app/contracts';
import { ForwardValidation, type PerformanceReport } from '@app/gateway';
import { type FastifyTestApp, PROJECT_CONFIG_DIR, RecordingLogger } from '@app/testing';
import { PerformanceController } from './performance.controller.js';
import { startRestController } from './testing/rest-controller-kit.js';

/**
 * The real PerformanceController over a fake of ForwardValidation, with its real guards and edge
 * (rest-controller-kit.ts): what it hands the service, what is refused before it (400 naming the
 * field), and how the service's refusals are answered.
 */

const config = loadConfig({ env: { CONFIG_DIR: PROJECT_CONFIG_DIR } });
const REPORT: PerformanceReport = {
  exchange: 'binance',
  symbol: 'BTC/USDT',
  timeframe: '1m',
  window: { from: null, to: null, firstCandle: null, lastCandle: null, samples: 0, truncated: false },
  minIndependent: 30,
  horizons: [],
};

const validation = { performance: jest.fn<ForwardValidation['performance']>() };
const logger = new RecordingLogger();
let running: FastifyTestApp;

beforeAll(async () => {
  running = await startRestController({
    config,
    controller: PerformanceController,
    providers: [{ provide: ForwardValidation, useValue: validation }],
    logger,
  });
});

afterAll(async () => {
  await running.close();
});

beforeEach(() => {
  validation.performance.mockReset().mockResolvedValue(REPORT);
});

const api = () => request(running.server);
const fieldsOf = (response: Response): string[] =>
  [...new Set((response.body as { errors: { field: string }[] }).errors.map((issue) => issue.field))].sort();

describe('GET /v1/performance', () => {
  it('hands the query, numbers converted, to the service and answers its report', async () => {
    const full = await api()
      .get('/v1/performance?exchange=binance&symbol=BTC-USDT&timeframe=5m&horizon=12&from=0&to=1613779200000')
      .expect(200);
    await api().get('/v1/performance?exchange=binance&symbol=BTC/USDT').expect(200);

    expect(full.body).toEqual(REPORT);
    expect(validation.performance.mock.calls.map(([query]) => ({ ...query }))).toEqual([
      { exchange: 'binance', symbol: 'BTC-USDT', timeframe: '5m', horizon: 12, from: 0, to: 1613779200000 },
      { exchange: 'binance', symbol: 'BTC/USDT' },
    ]);
  });

  it.each([
    ['no market at all', '', ['exchange', 'symbol']],
    ['a bad exchange and symbol', 'exchange=Binance!&symbol=btc', ['exchange', 'symbol']],
    ['an unknown timeframe', 'exchange=binance&symbol=BTC-USDT&timeframe=7m', ['timeframe']],
    ['a horizon of 0', 'exchange=binance&symbol=BTC-USDT&horizon=0', ['horizon']],
    ['a horizon past 1000 candles', 'exchange=binance&symbol=BTC-USDT&horizon=1001', ['horizon']],
    ['a fractional horizon', 'exchange=binance&symbol=BTC-USDT&horizon=1.5', ['horizon']],
    ['a horizon that is no number', 'exchange=binance&symbol=BTC-USDT&horizon=four', ['horizon']],
    ['times that are not ms', 'exchange=binance&symbol=BTC-USDT&from=yesterday&to=1.25', ['from', 'to']],
    ['a time past year 9999', `exchange=binance&symbol=BTC-USDT&to=${MAX_TIME_MS + 1}`, ['to']],
    ['an unknown parameter', 'exchange=binance&symbol=BTC-USDT&window=7d', ['window']],
  ])('refuses %s with 400 naming each field, before the service', async (_, query, fields) => {
    const response = await api().get(`/v1/performance?${query}`).expect(400);

    expect(fieldsOf(response)).toEqual(fields);
    expect(validation.performance).not.toHaveBeenCalled();
  });

  it("answers the service's InputError with 400 and its NotFoundError with 404", async () => {
    validation.performance.mockRejectedValueOnce(
      new InputError([{ field: 'from', message: 'must be ≤ to' }], 'invalid input: from'),
    );
    validation.performance.mockRejectedValueOnce(new NotFoundError('unknown market binance DOGE/USDT'));

    const inverted = await api()
      .get('/v1/performance?exchange=binance&symbol=BTC-USDT&from=2&to=1')
      .expect(400);
    const unknown = await api().get('/v1/performance?exchange=binance&symbol=DOGE-USDT').expect(404);

    expect(inverted.body).toMatchObject({ errors: [{ field: 'from', message: 'must be ≤ to' }] });
    expect(unknown.body).toMatchObject({ statusCode: 404, message: 'unknown market binance DOGE/USDT' });
  });

  it('has a rate limit of its own (performance: 30 a minute)', () => {
    expect(config.app.rateLimits.routes.performance).toEqual({ limit: 30, ttlSeconds: 60 });
  });
});
