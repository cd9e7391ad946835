import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import request, { type Response } from 'supertest';
import { loadConfig } from '@app/config';
import { InputError, NotFoundError, type StreamRef } from '@app/contracts';
import { CandlesQueryDto } from '@app/contracts/dto';
import { CandleQueries, ResultQueries } from '@app/gateway';
import { candleFactory, createConfigFixture, type FastifyTestApp, RecordingLogger } from '@app/testing';
import { CandlesController } from './candles.controller.js';
import { startRestController } from './testing/rest-controller-kit.js';

/**
 * The real CandlesController over fakes of ResultQueries (which stream a path names) and
 * CandleQueries (the store read), on Fastify with what production installs around it: what the
 * route hands each, what it answers, and how their errors answer.
 */

function loadTestConfig() {
  const fixture = createConfigFixture();
  try {
    return loadConfig({ env: { CONFIG_DIR: fixture.dir } });
  } finally {
    fixture.cleanup();
  }
}
const config = loadTestConfig();
const BTC_5M: StreamRef = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '5m' };
const CANDLES = candleFactory.buildList(2, {}, { timeframe: '5m' });

class FakeQueries implements Pick<ResultQueries, 'stream'> {
  readonly stream = jest.fn<ResultQueries['stream']>();
}

class FakeCandles implements Pick<CandleQueries, 'range'> {
  readonly range = jest.fn<CandleQueries['range']>();
}

const queries = new FakeQueries();
const candles = new FakeCandles();
const logger = new RecordingLogger();
let running: FastifyTestApp;

beforeAll(async () => {
  running = await startRestController({
    config,
    controller: CandlesController,
    providers: [
      { provide: ResultQueries, useValue: queries },
      { provide: CandleQueries, useValue: candles },
    ],
    logger,
  });
});

afterAll(async () => {
  await running.close();
});

beforeEach(() => {
  queries.stream.mockReset().mockResolvedValue(BTC_5M);
  candles.range.mockReset().mockResolvedValue(CANDLES);
  logger.clear();
});

const api = () => request(running.server);
const bodyOf = (response: Response): unknown => response.body;
const fieldsOf = (response: Response): string[] =>
  (bodyOf(response) as { errors: { field: string }[] }).errors.map((issue) => issue.field);

describe('GET /v1/candles/:exchange/:symbol', () => {
  it('resolves the stream from the path, reads its candles with the query parsed, and answers both', async () => {
    const response = await api()
      .get('/v1/candles/binance/BTC-USDT?timeframe=5m&from=1000&to=2000&limit=50')
      .expect(200);

    expect(queries.stream.mock.calls).toEqual([['binance', 'BTC-USDT', '5m']]);
    expect(candles.range).toHaveBeenCalledTimes(1);
    const [stream, query] = candles.range.mock.calls[0] ?? [];
    expect(stream).toEqual(BTC_5M);
    expect(query).toBeInstanceOf(CandlesQueryDto);
    expect({ ...query }).toEqual({ timeframe: '5m', from: 1000, to: 2000, limit: 50 });
    expect(bodyOf(response)).toEqual({ ...BTC_5M, candles: CANDLES });
  });

  it("takes the market's default timeframe when none is named (the stream ResultQueries chose)", async () => {
    const response = await api().get('/v1/candles/binance/BTC-USDT').expect(200);

    expect(queries.stream.mock.calls).toEqual([['binance', 'BTC-USDT', undefined]]);
    expect(bodyOf(response)).toMatchObject({ timeframe: '5m' });
  });

  it('refuses bad path parts and query fields with a 400 naming each, before reading', async () => {
    const query = await api()
      .get('/v1/candles/binance/BTC-USDT?timeframe=7m&from=-1&to=x&limit=0')
      .expect(400);
    expect(new Set(fieldsOf(query))).toEqual(new Set(['from', 'limit', 'timeframe', 'to']));
    const path = await api().get('/v1/candles/Bin!/btc').expect(400);
    expect(fieldsOf(path).sort()).toEqual(['exchange', 'symbol']);
    const tooMany = await api().get('/v1/candles/binance/BTC-USDT?limit=1001').expect(400);
    expect(fieldsOf(tooMany)).toEqual(['limit']);
    const unknown = await api().get('/v1/candles/binance/BTC-USDT?bar=1').expect(400);
    expect(fieldsOf(unknown)).toEqual(['bar']);
    expect(queries.stream).not.toHaveBeenCalled();
    expect(candles.range).not.toHaveBeenCalled();
  });

  it("answers an unknown market 404 and the range's InputError 400 naming `from`", async () => {
    queries.stream.mockRejectedValueOnce(new NotFoundError('unknown market binance DOGE/USDT'));
    const unknown = await api().get('/v1/candles/binance/DOGE-USDT').expect(404);
    expect(bodyOf(unknown)).toMatchObject({ statusCode: 404, message: 'unknown market binance DOGE/USDT' });

    candles.range.mockRejectedValueOnce(new InputError([{ field: 'from', message: 'must be ≤ to' }]));
    const reversed = await api().get('/v1/candles/binance/BTC-USDT?from=2&to=1').expect(400);
    expect(bodyOf(reversed)).toMatchObject({ errors: [{ field: 'from', message: 'must be ≤ to' }] });
  });
});
