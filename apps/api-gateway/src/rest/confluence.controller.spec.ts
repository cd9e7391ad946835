import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import request, { type Response } from 'supertest';
import { loadConfig } from '@app/config';
import { InputError, NotFoundError, StoreUnavailableError, streamRoom } from '@app/contracts';
import { AnalyzeRequestDto, HistoryQueryDto, normalizeSymbol } from '@app/contracts/dto';
import { hashApiKey, MarketBoard, OnDemandAnalysis, ResultQueries } from '@app/gateway';
import { StoreInputError, type StoredResult } from '@app/persistence';
import {
  candleFactory,
  type FastifyTestApp,
  PROJECT_CONFIG_DIR,
  RecordingLogger,
  storedResultFactory,
} from '@app/testing';
import { ConfluenceController } from './confluence.controller.js';
import { startRestController } from './testing/rest-controller-kit.js';

/**
 * The real ConfluenceController over fakes of ResultQueries, MarketBoard and OnDemandAnalysis, on
 * Fastify with what production installs around it (request context and API keys, body decoding,
 * ErrorsFilter, the gateway's ValidationPipe) and its real guards (throttler, API key, JSON body)
 * built from the shipped config: what each route hands the services, and how their errors answer.
 */

const KEYS = { bot: 'ck_controller_spec_bot_key', burst: 'ck_controller_spec_burst_key' } as const;
const API_KEY_HASHES = `bot:${hashApiKey(KEYS.bot)},burst:${hashApiKey(KEYS.burst)}`;
const config = loadConfig({ env: { CONFIG_DIR: PROJECT_CONFIG_DIR, API_KEY_HASHES } });

/** What the fake `present` makes of a result: enough to tell which result, from which source. */
const presentedOf = (result: StoredResult, source: string | null = 'live') => ({
  presented: streamRoom(result),
  candleTime: result.candleTime,
  source,
});

const board = { sourceOf: jest.fn<MarketBoard['sourceOf']>() };
const onDemand = { analyzeAndStore: jest.fn<OnDemandAnalysis['analyzeAndStore']>() };

/** ResultQueries' answers: the stream a path names, a fixed latest result, and `present` as a marker. */
class FakeQueries implements Pick<ResultQueries, 'stream' | 'latest' | 'many' | 'history' | 'present'> {
  readonly stream = jest.fn<ResultQueries['stream']>();
  readonly latest = jest.fn<ResultQueries['latest']>();
  readonly many = jest.fn<ResultQueries['many']>();
  readonly history = jest.fn<ResultQueries['history']>();
  readonly present = jest.fn<ResultQueries['present']>();

  reset(latest: StoredResult): void {
    this.stream
      .mockReset()
      .mockImplementation((exchange, symbol, timeframe) =>
        Promise.resolve({ exchange, symbol: normalizeSymbol(symbol), timeframe: timeframe ?? '1m' }),
      );
    this.latest.mockReset().mockResolvedValue(latest);
    this.many.mockReset().mockResolvedValue([]);
    this.history.mockReset().mockResolvedValue({ items: [], nextCursor: null });
    this.present.mockReset().mockImplementation((result) => presentedOf(result, board.sourceOf(result)));
  }
}

const queries = new FakeQueries();
const logger = new RecordingLogger();
let running: FastifyTestApp;

beforeAll(async () => {
  running = await startRestController({
    config,
    controller: ConfluenceController,
    providers: [
      { provide: ResultQueries, useValue: queries },
      { provide: MarketBoard, useValue: board },
      { provide: OnDemandAnalysis, useValue: onDemand },
    ],
    logger,
  });
});

afterAll(async () => {
  await running.close();
});

let latest: StoredResult;

beforeEach(() => {
  // A new result object per test: the controller caches what it rendered by result object.
  latest = storedResultFactory.build({ timeframe: '5m', candleTime: Date.UTC(2024, 0, 1), score: 72 });
  board.sourceOf.mockReset().mockReturnValue('live');
  queries.reset(latest);
  onDemand.analyzeAndStore.mockReset().mockResolvedValue({ score: 61, source: 'client', stored: false });
  logger.clear();
});

const api = () => request(running.server);
const bodyOf = (response: Response): unknown => response.body;
const headerOf = (response: Response, name: string): unknown =>
  (response.headers as Record<string, unknown>)[name];
const fieldsOf = (response: Response): string[] =>
  (bodyOf(response) as { errors: { field: string }[] }).errors.map((issue) => issue.field);
const etagOf = (body: unknown): string =>
  `"${createHash('sha1').update(JSON.stringify(body)).digest('base64url')}"`;

const ANALYZE_BODY = {
  symbol: 'ETH-USDT',
  exchange: 'kraken',
  candles: { '1m': candleFactory.buildList(3) },
  store: true,
};

describe('GET /v1/confluence/:exchange/:symbol (latest)', () => {
  it('asks for the stream the path names, then its latest result, and sends it as presented', async () => {
    const response = await api().get('/v1/confluence/binance/BTC-USDT?timeframe=5m').expect(200);

    expect(queries.stream.mock.calls).toEqual([['binance', 'BTC-USDT', '5m']]);
    expect(queries.latest.mock.calls).toEqual([
      [{ exchange: 'binance', symbol: 'BTC/USDT', timeframe: '5m' }],
    ]);
    expect(queries.present.mock.calls).toEqual([[latest]]);
    const presented = presentedOf(latest);
    expect(bodyOf(response)).toEqual(presented);
    expect(headerOf(response, 'content-type')).toBe('application/json; charset=utf-8');
    expect(headerOf(response, 'etag')).toBe(etagOf(presented));
    expect(headerOf(response, 'x-request-id')).toEqual(expect.any(String));
  });

  it('passes no timeframe when the query names none (ResultQueries picks the default)', async () => {
    await api().get('/v1/confluence/binance/BTC-USDT').expect(200);

    expect(queries.stream.mock.calls).toEqual([['binance', 'BTC-USDT', undefined]]);
  });

  it('answers 304 without a body to a matching If-None-Match, rendering the result only once', async () => {
    const first = await api().get('/v1/confluence/binance/BTC-USDT').expect(200);
    const etag = String(headerOf(first, 'etag'));

    for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const response = await api().get('/v1/confluence/binance/BTC-USDT').set('If-None-Match', ifNoneMatch);
      const { status, text } = response;
      expect({ ifNoneMatch, status, text, etag: headerOf(response, 'etag') }).toEqual({
        ifNoneMatch,
        status: 304,
        text: '',
        etag,
      });
    }
    const changed = await api().get('/v1/confluence/binance/BTC-USDT').set('If-None-Match', '"stale"');
    expect(changed.status).toBe(200);
    expect(bodyOf(changed)).toEqual(bodyOf(first));
    expect(queries.present).toHaveBeenCalledTimes(1);
  });

  it('renders again, with a new ETag, when the same result comes from another source', async () => {
    const live = await api().get('/v1/confluence/binance/BTC-USDT').expect(200);
    board.sourceOf.mockReturnValue('replay');
    const replay = await api()
      .get('/v1/confluence/binance/BTC-USDT')
      .set('If-None-Match', String(headerOf(live, 'etag')))
      .expect(200);

    expect(bodyOf(replay)).toMatchObject({ source: 'replay' });
    expect(headerOf(replay, 'etag')).toBe(etagOf(bodyOf(replay)));
    expect(headerOf(replay, 'etag')).not.toBe(headerOf(live, 'etag'));
    expect(queries.present).toHaveBeenCalledTimes(2);
  });

  it('refuses a malformed path, or a malformed query, with 400 naming each field, before any query', async () => {
    const path = await api().get('/v1/confluence/Binance!/btc').expect(400);
    const query = await api().get('/v1/confluence/binance/BTC-USDT?timeframe=7m').expect(400);

    expect(bodyOf(path)).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(fieldsOf(path).sort()).toEqual(['exchange', 'symbol']);
    expect(fieldsOf(query)).toEqual(['timeframe']);
    expect(queries.stream).not.toHaveBeenCalled();
  });
});

describe('GET /v1/confluence (many) and /history', () => {
  it('hands the raw markets string to many() and presents each result, keeping the nulls', async () => {
    const other = storedResultFactory.build({ symbol: 'LTC/USDT', timeframe: '1m' });
    queries.many.mockResolvedValue([latest, null, other]);
    const markets = 'binance:BTC-USDT:5m,binance:ETH/USDT,binance:LTC-USDT';

    const response = await api().get('/v1/confluence').query({ markets }).expect(200);

    expect(queries.many.mock.calls).toEqual([[markets]]);
    expect(queries.present.mock.calls).toEqual([[latest], [other]]);
    expect(bodyOf(response)).toEqual({
      results: [presentedOf(latest), null, presentedOf(other)],
    });
  });

  it('hands history() the stream and the query with its numbers parsed, and presents the page', async () => {
    queries.history.mockResolvedValue({ items: [latest], nextCursor: 'next-page' });

    const response = await api()
      .get('/v1/confluence/binance/BTC-USDT/history?timeframe=5m&from=1000&to=2000&limit=5&cursor=abc')
      .expect(200);

    expect(queries.stream.mock.calls).toEqual([['binance', 'BTC-USDT', '5m']]);
    expect(queries.history).toHaveBeenCalledTimes(1);
    const [given, query] = queries.history.mock.calls[0] ?? [];
    expect(given).toEqual({ exchange: 'binance', symbol: 'BTC/USDT', timeframe: '5m' });
    expect(query).toBeInstanceOf(HistoryQueryDto);
    expect({ ...query }).toEqual({ timeframe: '5m', from: 1000, to: 2000, limit: 5, cursor: 'abc' });
    expect(bodyOf(response)).toEqual({
      items: [presentedOf(latest)],
      nextCursor: 'next-page',
    });
  });

  it('refuses an out-of-range limit and an unknown parameter before asking anything', async () => {
    const response = await api().get('/v1/confluence/binance/BTC-USDT/history?limit=0&page=2').expect(400);

    expect(fieldsOf(response).sort()).toEqual(['limit', 'page']);
    expect(queries.stream).not.toHaveBeenCalled();
    expect(queries.history).not.toHaveBeenCalled();
  });
});

describe('POST /v1/confluence/analyze', () => {
  it('hands the validated body to analyzeAndStore and answers 200 with its result', async () => {
    const response = await api()
      .post('/v1/confluence/analyze')
      .set('X-API-Key', KEYS.bot)
      .send(ANALYZE_BODY)
      .expect(200);

    expect(bodyOf(response)).toEqual({ score: 61, source: 'client', stored: false });
    expect(onDemand.analyzeAndStore).toHaveBeenCalledTimes(1);
    const [posted] = onDemand.analyzeAndStore.mock.calls[0] ?? [];
    expect(posted).toBeInstanceOf(AnalyzeRequestDto);
    expect({ ...posted }).toEqual(ANALYZE_BODY);
  });

  it('hands `llm: true` on (the opinion is the service’s to ask), and `llm: null` is a 400', async () => {
    await api()
      .post('/v1/confluence/analyze')
      .set('X-API-Key', KEYS.bot)
      .send({ ...ANALYZE_BODY, llm: true })
      .expect(200);
    const refused = await api()
      .post('/v1/confluence/analyze')
      .set('X-API-Key', KEYS.bot)
      .send({ ...ANALYZE_BODY, llm: null })
      .expect(400);

    expect(onDemand.analyzeAndStore.mock.calls.map(([posted]) => posted.llm)).toEqual([true]);
    expect(fieldsOf(refused)).toEqual(['llm']);
  });

  it('refuses without a key (401), with an unknown key (401), and a non-JSON body (415)', async () => {
    const cases = [
      { key: undefined, type: 'application/json', status: 401, message: 'X-API-Key header required' },
      { key: 'not-a-key', type: 'application/json', status: 401, message: /does not match any/ },
      { key: KEYS.bot, type: 'text/plain', status: 415, message: /Content-Type must be application\/json/ },
    ];
    for (const { key, type, status, message } of cases) {
      const headers =
        key === undefined ? { 'Content-Type': type } : { 'Content-Type': type, 'X-API-Key': key };
      const response = await api()
        .post('/v1/confluence/analyze')
        .set(headers)
        .send(JSON.stringify(ANALYZE_BODY));
      expect(response.status).toBe(status);
      expect(bodyOf(response)).toMatchObject({
        statusCode: status,
        message: expect.stringMatching(message) as unknown,
      });
    }
    expect(onDemand.analyzeAndStore).not.toHaveBeenCalled();
  });

  it('refuses an invalid body with 400 listing every field, without analysing', async () => {
    const response = await api()
      .post('/v1/confluence/analyze')
      .set('X-API-Key', KEYS.bot)
      .send({ symbol: 'btc', candles: { '1m': [candleFactory.raw({ high: 1 })] }, store: 'yes', llm: 'yes' })
      .expect(400);

    expect(fieldsOf(response)).toEqual(
      expect.arrayContaining(['symbol', 'store', 'llm', 'candles.1m[0].high']),
    );
    expect(onDemand.analyzeAndStore).not.toHaveBeenCalled();
  });

  it('refuses a body nested too deep with 400 naming the path, as it is parsed; without a key, unread (401)', async () => {
    const deep = `{"symbol":"BTC/USDT","candles":{"1m":${'['.repeat(5000)}${']'.repeat(5000)}}}`;
    const send = (headers: Record<string, string>): Promise<Response> =>
      api()
        .post('/v1/confluence/analyze')
        .set({ ...headers, 'Content-Type': 'application/json' })
        .send(deep);

    const response = await send({ 'X-API-Key': KEYS.bot });
    const path = `candles.1m${'[0]'.repeat(30)}`;
    expect(bodyOf(response)).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: `invalid input: ${path}`,
      errors: [{ field: path, message: 'is nested deeper than 32 levels' }],
      requestId: expect.any(String) as unknown,
    });
    // The key is checked before the body is read: the same body without one is never parsed.
    expect(bodyOf(await send({}))).toMatchObject({ statusCode: 401, message: 'X-API-Key header required' });
    expect(onDemand.analyzeAndStore).not.toHaveBeenCalled();
  });

  it('answers 429 with Retry-After past the route limit (analyze: 20 a minute per key)', async () => {
    const limit = config.app.rateLimits.routes.analyze?.limit ?? 0;
    expect(limit).toBe(20);
    const analyze = (): Promise<Response> =>
      api().post('/v1/confluence/analyze').set('X-API-Key', KEYS.burst).send(ANALYZE_BODY);

    for (let call = 0; call < limit; call++) expect((await analyze()).status).toBe(200);
    const limited = await analyze();

    expect(limited.status).toBe(429);
    expect(bodyOf(limited)).toMatchObject({
      error: 'Too Many Requests',
      message: expect.stringMatching(/^rate limit exceeded/) as unknown,
    });
    expect(Number(headerOf(limited, 'retry-after'))).toBe(60);
    expect(onDemand.analyzeAndStore).toHaveBeenCalledTimes(limit);
    // Another key keeps its own budget.
    await api().post('/v1/confluence/analyze').set('X-API-Key', KEYS.bot).send(ANALYZE_BODY).expect(200);
  });
});

describe('domain errors thrown by the services, as ErrorsFilter answers them', () => {
  const issues = [{ field: 'markets[1]', message: '"x" is not exchange:symbol[:timeframe]' }];
  const unavailable = 'the store is unavailable: the result was computed but not stored';
  const analyze = () => api().post('/v1/confluence/analyze').set('X-API-Key', KEYS.bot).send(ANALYZE_BODY);
  const cases = [
    {
      name: 'InputError → 400 with its message and every field in `errors`',
      arrange: () => queries.many.mockRejectedValue(new InputError(issues, 'invalid input: markets')),
      call: () => api().get('/v1/confluence?markets=binance:BTC-USDT,x'),
      answer: { statusCode: 400, error: 'Bad Request', message: 'invalid input: markets', errors: issues },
    },
    {
      name: 'StoreInputError (a bad cursor) → 400 under the field it names',
      arrange: () =>
        queries.history.mockRejectedValue(new StoreInputError('cursor', 'is not a cursor we issued')),
      call: () => api().get('/v1/confluence/binance/BTC-USDT/history?cursor=zzz'),
      answer: {
        statusCode: 400,
        error: 'Bad Request',
        message: 'invalid input: cursor',
        errors: [{ field: 'cursor', message: 'is not a cursor we issued' }],
      },
    },
    {
      name: 'NotFoundError → 404 with its message',
      arrange: () => queries.stream.mockRejectedValue(new NotFoundError('unknown market binance DOGE/USDT')),
      call: () => api().get('/v1/confluence/binance/DOGE-USDT'),
      answer: { statusCode: 404, error: 'Not Found', message: 'unknown market binance DOGE/USDT' },
    },
    {
      name: 'StoreUnavailableError → 503 saying what was not done',
      arrange: () => onDemand.analyzeAndStore.mockRejectedValue(new StoreUnavailableError(unavailable)),
      call: analyze,
      answer: { statusCode: 503, error: 'Service Unavailable', message: unavailable },
    },
  ];

  it.each(cases)('$name', async ({ arrange, call, answer }) => {
    arrange();

    const response = await call();

    expect(response.status).toBe(answer.statusCode);
    expect(bodyOf(response)).toEqual({ ...answer, requestId: headerOf(response, 'x-request-id') });
  });

  it('an unknown Error → 500 "Internal server error"; the detail goes to the log only', async () => {
    queries.latest.mockRejectedValue(new Error('connection to mongodb://secret-host:27017 reset'));

    const response = await api().get('/v1/confluence/binance/BTC-USDT').expect(500);

    const requestId = headerOf(response, 'x-request-id');
    expect(bodyOf(response)).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'Internal server error',
      requestId,
    });
    expect(response.text).not.toContain('secret-host');
    expect(logger.errors.join('\n')).toContain('secret-host');
    expect(logger.errors.join('\n')).toContain(`requestId=${String(requestId)}`);
  });
});
