import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import type { StreamRef } from '@app/contracts';
import { ResultRepository, StoreWriter, type StoredResult } from '@app/persistence';
import { eventually, FakeOpenAiServer, loadMarketCandles, MARKET_FILES } from '@app/testing';
import { ASYNCAPI_PATH } from '../apps/api-gateway/src/socket/asyncapi.js';
import { type AsyncApiDocumentLike, asyncApiMessages } from './asyncapi-messages.js';
import {
  BOOT_TIMEOUT_MS,
  bodyOf,
  expectError,
  fail,
  type LocalGateway,
  rateLimitPatches,
  startLocalGateway,
  testApiKey,
} from './gateway-kit.js';
import { type OpenApiDocument, openApiResponses } from './openapi-responses.js';
import { ask, connectClient, type SignalsClient } from './socket-kit.js';

/**
 * The LLM opinion at the gateway edge, over the real local-mode app whose opinions go through the
 * real `openai` SDK to the loopback fake OpenAI server: POST analyze with `llm: true` (cached on
 * the second ask, no request), POST /v1/llm/analyze of a tracked market (its opinion reaching the
 * response, GET latest, the history and the market's Socket.IO room), and GET /v1/llm/costs,
 * whose totals are what the fake reported. Every answer is checked against the served OpenAPI and
 * AsyncAPI documents. Opinions on label changes are switched off, so every request is the test's.
 */

const alpha = testApiKey('alpha');
const OPENAI_KEY = 'sk-test-gateway-llm-0001';
const ETH_FILE = 'ETH-USDT_1m_2021-02-19_binance.csv';
const BTC_1M: StreamRef = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' };
/** What the fake model answers to every request. */
const ANSWER = {
  signal: 'SHORT',
  confidence: 0.55,
  reasoning: 'Sellers absorb every bid above the range; volume fades on the bounces.',
  risks: ['a squeeze above the range high'],
} as const;
/** llm.yaml's price of gpt-4o-mini, USD per million tokens. */
const PRICE = { input: 0.15, output: 0.6 };
const DAY_MS = 86_400_000;
const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

interface Opinion extends Record<string, unknown> {
  readonly status: string;
  readonly cached?: boolean;
}
interface ResultBody extends Record<string, unknown> {
  readonly label: string;
  readonly candleTime: string;
  readonly replay: { readonly inputHash: string };
  readonly llm?: Opinion;
}

/** The opinion the gateway must make of the fake's answer about a result. */
const opinionOf = (result: ResultBody, cached: boolean): Record<string, unknown> => ({
  status: 'ok',
  ...ANSWER,
  agrees: result.label === ANSWER.signal,
  model: 'gpt-4o-mini',
  promptVersion: 'opinion-v1',
  promptHash: expect.stringMatching(/^[0-9a-f]{64}$/),
  inputHash: result.replay.inputHash,
  createdAt: expect.any(Number),
  cached,
});

describe('LLM opinions at the gateway, through the real SDK against a fake OpenAI', () => {
  let fake: FakeOpenAiServer | undefined;
  let gw: LocalGateway | undefined;
  let port = 0;
  let openApi: ReturnType<typeof openApiResponses>;
  let asyncApi: ReturnType<typeof asyncApiMessages>;
  const startedAt = Date.now();
  const clients: SignalsClient[] = [];

  const booted = (): LocalGateway => gw ?? fail('the gateway');
  const api = (): ReturnType<typeof request> => request(booted().server);
  const requests = (): number => (fake ?? fail('the fake')).requests.length;

  beforeAll(async () => {
    fake = await FakeOpenAiServer.start({ answer: () => JSON.stringify(ANSWER) });
    gw = await startLocalGateway({
      files: [
        { file: MARKET_FILES.btc1m, limit: 300 },
        // Tracked, but 30 candles are fewer than the warm-up: never a result.
        { file: MARKET_FILES.btc1m, limit: 30, as: ETH_FILE },
      ],
      apiKeys: [alpha],
      env: { OPENAI_API_KEYS: OPENAI_KEY },
      patches: [
        { file: 'llm.yaml', from: 'https://api.openai.com/v1', to: fake.baseURL },
        {
          file: 'llm.yaml',
          from: 'onSignalChange:\n  enabled: true',
          to: 'onSignalChange:\n  enabled: false',
        },
        ...rateLimitPatches({ default: 100_000, analyze: 100_000 }),
      ],
    });
    await gw.app.listen(0, '127.0.0.1');
    port = (gw.server.address() as AddressInfo).port;
    openApi = openApiResponses(bodyOf<OpenApiDocument>(await api().get('/docs-json').expect(200)));
    asyncApi = asyncApiMessages(bodyOf<AsyncApiDocumentLike>(await api().get(ASYNCAPI_PATH).expect(200)));
  }, BOOT_TIMEOUT_MS);

  afterAll(async () => {
    for (const client of clients) client.close();
    await gw?.close();
    await fake?.close();
  });

  /** The answer, checked against the served OpenAPI document for its operation and status. */
  const documented = async <T>(
    call: request.Test,
    method: string,
    path: string,
    status: number,
  ): Promise<T> => {
    const response = await call;
    expect({ status: response.status, errors: openApi.check(method, path, status, response.body) }).toEqual({
      status,
      errors: null,
    });
    return bodyOf<T>(response);
  };
  const analyze = (body: object): Promise<ResultBody> =>
    documented<ResultBody>(
      api().post('/v1/confluence/analyze').set('X-API-Key', alpha.key).send(body),
      'post',
      '/v1/confluence/analyze',
      200,
    );
  const askLatest = (query = '?timeframe=1m'): request.Test =>
    api().post(`/v1/llm/analyze/binance/BTC-USDT${query}`).set('X-API-Key', alpha.key);

  describe('POST /v1/confluence/analyze with llm', () => {
    const body = {
      symbol: 'ETH/USDT',
      exchange: 'mydesk',
      candles: { '1m': loadMarketCandles(MARKET_FILES.btc1m, 300) },
    };

    it("answers the model's opinion; the same body again is cached and makes no request; without llm none", async () => {
      const before = requests();
      const first = await analyze({ ...body, llm: true });
      const afterFirst = requests();
      const second = await analyze({ ...body, llm: true });
      const without = await analyze(body);

      expect(first.llm).toEqual(opinionOf(first, false));
      expect(second.llm).toEqual({ ...(first.llm ?? fail()), cached: true });
      expect(without).not.toHaveProperty('llm');
      expect({ ...without, stored: false }).toEqual({
        ...first,
        llm: undefined,
        replay: { ...first.replay, llm: undefined },
        stored: false,
      });
      // The answer joins the replay block: what it is a function of besides the inputs.
      const { model, promptVersion, promptHash } = (first.llm ?? fail()) as Record<string, unknown>;
      expect(first.replay).toMatchObject({ llm: { model, promptVersion, promptHash } });
      expect([afterFirst - before, requests() - afterFirst]).toEqual([1, 0]);
      // The request went to the configured endpoint, with the configured key and model.
      expect((fake ?? fail()).requests.at(-1)).toMatchObject({
        key: OPENAI_KEY,
        path: '/v1/chat/completions',
        status: 200,
        body: { model: 'gpt-4o-mini' },
      });
    });

    it('attaches the opinion to the stored result: the history shows it', async () => {
      const posted = await analyze({ ...body, exchange: 'mydeskb', store: true, llm: true });
      const history = await documented<{ items: ResultBody[] }>(
        api().get('/v1/confluence/mydeskb/ETH-USDT/history'),
        'get',
        '/v1/confluence/{exchange}/{symbol}/history',
        200,
      );

      expect(posted.llm).toEqual(opinionOf(posted, false));
      expect(history.items.map((item) => item.llm)).toEqual([posted.llm]);
    });
  });

  describe('POST /v1/llm/analyze/:exchange/:symbol', () => {
    const path = '/v1/llm/analyze/{exchange}/{symbol}';

    it('asks about the latest result and shows the opinion in the answer, GET latest, the socket room and the history', async () => {
      const client = await connectClient(port);
      clients.push(client);
      const heard: Record<string, unknown>[] = [];
      client.on('llm.opinion', (event) => heard.push(event as unknown as Record<string, unknown>));
      expect(await ask(client, 'subscribe', BTC_1M)).toMatchObject({ ok: true });
      const before = await api().get('/v1/confluence/binance/BTC-USDT?timeframe=1m').expect(200);
      const latestBefore = bodyOf<ResultBody>(before);
      const stored: StoredResult = (await booted().app.get(ResultRepository).latest(BTC_1M)) ?? fail();
      const sent = requests();

      const answer = await documented<{ result: ResultBody; llm: Opinion }>(askLatest(), 'post', path, 200);
      const after = await api().get('/v1/confluence/binance/BTC-USDT?timeframe=1m').expect(200);

      expect(requests() - sent).toBe(1);
      expect(answer.llm).toEqual(opinionOf(latestBefore, false));
      const { model, promptVersion, promptHash } = answer.llm as unknown as Record<string, unknown>;
      expect(answer.result).toEqual({
        ...latestBefore,
        replay: { ...latestBefore.replay, llm: { model, promptVersion, promptHash } },
        llm: answer.llm,
      });
      // GET latest shows it at once (the bus event reached the projection), under a new ETag.
      expect(after.body).toEqual(answer.result);
      expect(after.headers.etag).not.toBe(before.headers.etag);
      await eventually(() => heard.length === 1, 'llm.opinion in the room');
      expect(heard[0]).toEqual({
        ...BTC_1M,
        source: 'replay',
        emittedAt: expect.any(Number),
        candleTime: stored.candleTime,
        inputHash: stored.inputHash,
        score: stored.score,
        label: stored.label,
        opinion: answer.llm,
      });
      expect(asyncApi.check('llmOpinion', heard[0])).toBeNull();
      // The store write joins the ordered write path; once it is done, the history has it too.
      await booted().app.get(StoreWriter).flush();
      const history = await documented<{ items: ResultBody[] }>(
        api().get('/v1/confluence/binance/BTC-USDT/history?timeframe=1m&limit=1'),
        'get',
        '/v1/confluence/{exchange}/{symbol}/history',
        200,
      );
      expect(history.items).toEqual([answer.result]);

      // Asked again: the cached answer, no request, published again.
      const again = await documented<{ llm: Opinion }>(askLatest(), 'post', path, 200);
      expect(again.llm).toEqual({ ...answer.llm, cached: true });
      expect(requests() - sent).toBe(1);
      await eventually(() => heard.length === 2, 'the cached opinion in the room');
      expect(heard[1]).toMatchObject({ opinion: { cached: true } });
    });

    it('answers an unknown market as GET latest does (404), and a market without a result yet with 404', async () => {
      const sent = requests();
      const unknown = expectError(
        await api().post('/v1/llm/analyze/binance/DOGE-USDT').set('X-API-Key', alpha.key),
        404,
      );
      const viaGet = expectError(await api().get('/v1/confluence/binance/DOGE-USDT'), 404);
      const warming = expectError(
        await api().post('/v1/llm/analyze/binance/ETH-USDT').set('X-API-Key', alpha.key),
        404,
      );

      expect(unknown.message).toBe(viaGet.message);
      expect(warming.message).toBe('no result yet for binance ETH/USDT 1m (warming up)');
      expect(requests()).toBe(sent);
    });

    it('refuses a bad timeframe (400 naming it) and a call without an API key (401)', async () => {
      const sent = requests();
      const badTimeframe = expectError(await askLatest('?timeframe=7m'), 400);
      const keyless = expectError(await api().post('/v1/llm/analyze/binance/BTC-USDT'), 401);

      expect(badTimeframe.errors?.map((issue) => issue.field)).toEqual(['timeframe']);
      expect(keyless.message).toBe('X-API-Key header required');
      expect(requests()).toBe(sent);
    });
  });

  describe('GET /v1/llm/costs', () => {
    const costsPath = '/v1/llm/costs';

    it("totals what the fake reported: its tokens exactly, and their price in USD; today's budget", async () => {
      const usage = (fake ?? fail()).reportedUsage();
      // From the day before the suite started to the day after now: a run across midnight counts whole.
      const from = utcDay(startedAt - DAY_MS);
      const to = utcDay(Date.now() + DAY_MS);
      const report = await documented<{
        from: string;
        to: string;
        days: { model: string; requests: number }[];
        totals: { requests: number; promptTokens: number; completionTokens: number; costUsd: number };
        budget: { day: string; spentUsd: number; capUsd: number; exhausted: boolean };
      }>(api().get(`${costsPath}?from=${from}&to=${to}`), 'get', costsPath, 200);
      const today = await documented<{ from: string; to: string }>(
        api().get(costsPath),
        'get',
        costsPath,
        200,
      );

      // Three answers in all: two analyses of posted candles and one of a tracked market (the rest were cached).
      expect(usage.requests).toBe(3);
      expect(report.totals).toEqual({
        requests: usage.requests,
        promptTokens: usage.promptTokens,
        completionTokens: usage.completionTokens,
        costUsd: expect.any(Number),
      });
      const usd = (usage.promptTokens * PRICE.input + usage.completionTokens * PRICE.output) / 1_000_000;
      expect(report.totals.costUsd).toBeCloseTo(usd, 12);
      expect(report).toMatchObject({ from, to });
      expect(report.days.map((day) => day.model)).toEqual(report.days.map(() => 'gpt-4o-mini'));
      expect(report.budget).toEqual({
        day: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
        spentUsd: expect.any(Number),
        capUsd: 2,
        exhausted: false,
      });
      // Spent today: everything, unless the suite ran across midnight.
      if (report.days.length === 1) expect(report.budget.spentUsd).toBeCloseTo(usd, 12);
      expect([utcDay(startedAt), utcDay(Date.now())]).toContain(today.from);
      expect(today.to).toBe(today.from);
    });

    it.each([
      ['from=2026-13-01', ['from']],
      ['from=2026-12-01&to=2026-02-29', ['to']],
      ['from=2026-12-02&to=2026-12-01', ['from']],
      ['from=2025-12-06&to=2026-12-07', ['to']],
      ['from=12/01/2026&to=tomorrow', ['from', 'to']],
    ])('answers ?%s with 400 naming %j', async (query, fields) => {
      const refused = await documented<{ errors: { field: string }[] }>(
        api().get(`${costsPath}?${query}`),
        'get',
        costsPath,
        400,
      );
      expect(refused.errors.map((issue) => issue.field).sort()).toEqual(fields);
    });
  });
});
