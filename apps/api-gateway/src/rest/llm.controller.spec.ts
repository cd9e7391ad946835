import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import request, { type Response } from 'supertest';
import { loadConfig } from '@app/config';
import { InputError, type LlmOpinion, NotFoundError } from '@app/contracts';
import { hashApiKey, OpinionRequests } from '@app/gateway';
import { type FastifyTestApp, PROJECT_CONFIG_DIR, RecordingLogger } from '@app/testing';
import { LlmController } from './llm.controller.js';
import { startRestController } from './testing/rest-controller-kit.js';

/**
 * The real LlmController over a fake of OpinionRequests, with its real guards and edge (see
 * rest-controller-kit.ts): what each route hands the service, which input is refused before it,
 * the API key and the rate limit of the paid route.
 */

const KEYS = { bot: 'ck_llm_spec_bot_key', burst: 'ck_llm_spec_burst_key' } as const;
const config = loadConfig({
  env: {
    CONFIG_DIR: PROJECT_CONFIG_DIR,
    API_KEY_HASHES: `bot:${hashApiKey(KEYS.bot)},burst:${hashApiKey(KEYS.burst)}`,
  },
});

const OPINION: LlmOpinion = {
  status: 'unavailable',
  reason: 'no-key',
  detail: 'no OPENAI_API_KEYS configured',
};
const REPORT = {
  from: '2026-12-01',
  to: '2026-12-07',
  days: [],
  totals: { requests: 0, promptTokens: 0, completionTokens: 0, costUsd: 0 },
  budget: { day: '2026-12-07', spentUsd: 0, capUsd: 2, exhausted: false },
};

const requests = {
  opinionOfLatest: jest.fn<OpinionRequests['opinionOfLatest']>(),
  costs: jest.fn<OpinionRequests['costs']>(),
};
const logger = new RecordingLogger();
let running: FastifyTestApp;

beforeAll(async () => {
  running = await startRestController({
    config,
    controller: LlmController,
    providers: [{ provide: OpinionRequests, useValue: requests }],
    logger,
  });
});

afterAll(async () => {
  await running.close();
});

beforeEach(() => {
  requests.opinionOfLatest
    .mockReset()
    .mockResolvedValue({ result: { score: 64, llm: OPINION }, llm: OPINION });
  requests.costs.mockReset().mockResolvedValue(REPORT);
});

const api = () => request(running.server);
const bodyOf = (response: Response): unknown => response.body;
const fieldsOf = (response: Response): string[] =>
  (bodyOf(response) as { errors: { field: string }[] }).errors.map((issue) => issue.field).sort();

describe('POST /v1/llm/analyze/:exchange/:symbol', () => {
  it("hands the path's market and the timeframe to opinionOfLatest and answers 200 with its answer", async () => {
    const response = await api()
      .post('/v1/llm/analyze/binance/BTC-USDT?timeframe=5m')
      .set('X-API-Key', KEYS.bot)
      .expect(200);
    await api().post('/v1/llm/analyze/binance/LTC-USDT').set('X-API-Key', KEYS.bot).expect(200);

    expect(bodyOf(response)).toEqual({ result: { score: 64, llm: OPINION }, llm: OPINION });
    expect(requests.opinionOfLatest.mock.calls).toEqual([
      ['binance', 'BTC-USDT', '5m'],
      ['binance', 'LTC-USDT', undefined],
    ]);
  });

  it('refuses a bad path or timeframe with 400 naming each field, and asks nothing', async () => {
    const badTimeframe = await api()
      .post('/v1/llm/analyze/binance/BTC-USDT?timeframe=7m')
      .set('X-API-Key', KEYS.bot)
      .expect(400);
    const badPath = await api().post('/v1/llm/analyze/Binance!/btc').set('X-API-Key', KEYS.bot).expect(400);

    expect(fieldsOf(badTimeframe)).toEqual(['timeframe']);
    expect(fieldsOf(badPath)).toEqual(['exchange', 'symbol']);
    expect(requests.opinionOfLatest).not.toHaveBeenCalled();
  });

  it('needs an API key (401), and answers the service’s NotFoundError with 404', async () => {
    const keyless = await api().post('/v1/llm/analyze/binance/BTC-USDT').expect(401);
    requests.opinionOfLatest.mockRejectedValue(new NotFoundError('unknown market binance DOGE/USDT'));
    const unknown = await api()
      .post('/v1/llm/analyze/binance/DOGE-USDT')
      .set('X-API-Key', KEYS.bot)
      .expect(404);

    expect(bodyOf(keyless)).toMatchObject({ statusCode: 401, message: 'X-API-Key header required' });
    expect(bodyOf(unknown)).toMatchObject({ statusCode: 404, message: 'unknown market binance DOGE/USDT' });
    expect(requests.opinionOfLatest).toHaveBeenCalledTimes(1);
  });

  it('answers 429 past its own route limit (llmAnalyze: 10 a minute per key)', async () => {
    const limit = config.app.rateLimits.routes.llmAnalyze?.limit ?? 0;
    expect(limit).toBe(10);
    const ask = (): Promise<Response> =>
      api().post('/v1/llm/analyze/binance/BTC-USDT').set('X-API-Key', KEYS.burst);

    for (let call = 0; call < limit; call++) expect((await ask()).status).toBe(200);
    const limited = await ask();

    expect(limited.status).toBe(429);
    expect((limited.headers as Record<string, unknown>)['retry-after']).toBe('60');
    expect(requests.opinionOfLatest).toHaveBeenCalledTimes(limit);
  });
});

describe('GET /v1/llm/costs', () => {
  it('hands the range to costs and answers its report, without a key (reads need none here)', async () => {
    const response = await api().get('/v1/llm/costs?from=2026-12-01&to=2026-12-07').expect(200);
    await api().get('/v1/llm/costs').expect(200);

    expect(bodyOf(response)).toEqual(REPORT);
    expect(requests.costs.mock.calls.map(([query]) => ({ ...query }))).toEqual([
      { from: '2026-12-01', to: '2026-12-07' },
      {},
    ]);
  });

  it('refuses what is not a day with 400 naming the field, before the service', async () => {
    const response = await api().get('/v1/llm/costs?from=2026-1-01&to=yesterday').expect(400);
    const extra = await api().get('/v1/llm/costs?since=2026-12-01').expect(400);

    expect(fieldsOf(response)).toEqual(['from', 'to']);
    expect(bodyOf(response)).toMatchObject({
      errors: expect.arrayContaining([{ field: 'from', message: 'must be a day (YYYY-MM-DD)' }]) as unknown,
    });
    expect(fieldsOf(extra)).toEqual(['since']);
    expect(requests.costs).not.toHaveBeenCalled();
  });

  it("answers the service's InputError (a range it refuses) with 400 naming its field", async () => {
    requests.costs.mockRejectedValue(
      new InputError([{ field: 'from', message: 'must be ≤ to (2026-12-01)' }], 'invalid input: from'),
    );
    const response = await api().get('/v1/llm/costs?from=2026-12-02&to=2026-12-01').expect(400);
    expect(bodyOf(response)).toMatchObject({
      message: 'invalid input: from',
      errors: [{ field: 'from', message: 'must be ≤ to (2026-12-01)' }],
    });
  });
});
