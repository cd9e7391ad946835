import { once } from 'node:events';
import { Agent, type IncomingMessage, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import request from 'supertest';
import { MAX_BOOK_LEVELS, MAX_CANDLES_PER_TIMEFRAME, MAX_TRADES } from '@app/contracts/dto';
import { OnDemandAnalysis } from '@app/gateway';
import {
  BOOT_TIMEOUT_MS,
  bodyOf,
  type ErrorBody,
  expectError,
  fail,
  type LocalGateway,
  startLocalGateway,
  syntheticCandles,
  testApiKey,
} from './gateway-kit.js';

/**
 * Issue 27, items 1 and 3, as an attacker probes them: local mode, two keys configured, the
 * shipped limits (analyze: 20 a minute per client). What each test asserts is the deterministic
 * property behind the issue's timings (measured by `npm run bench:abuse`): a request refused for
 * its key, rate or content type is answered without its body being read, inflated or parsed; an
 * oversized array is refused before any element of it is copied or validated.
 *
 * The proofs: a body that cannot be inflated (corrupt gzip), parsed (not JSON) or even received
 * whole (longer than the body limit) would each be a 400 or a 413 had it been read; refused
 * first, it is a 401, 429 or 415. And `JSON.parse`, which Fastify's body parser calls, is counted
 * for bodies of a megabyte or more.
 */

const alpha = testApiKey('alpha');
const beta = testApiKey('beta');
const ANALYZE = '/v1/confluence/analyze';
const ANALYZE_LIMIT = 20;

/** One valid 1m candle, repeated: JSON that compresses about 300 to 1, as the issue's flood. */
const CANDLE = { timestamp: 1_613_692_800_000, open: 100, high: 101, low: 99, close: 100.5, volume: 10 };
const FLOOD_JSON = JSON.stringify({ symbol: 'BTC/USDT', candles: { '1m': new Array(22_000).fill(CANDLE) } });
const FLOOD_GZIP = gzipSync(FLOOD_JSON, { level: 9 });
/** A gzip header, then bytes no inflater takes: a 400 wherever it is inflated. */
const CORRUPT_GZIP = Buffer.concat([FLOOD_GZIP.subarray(0, 10), Buffer.from('this is not deflate data')]);

describe('refusals before the body is read (local mode, two keys)', () => {
  let gateway: LocalGateway | undefined;
  const api = (): ReturnType<typeof request> => request((gateway ?? fail()).server);
  /** Calls of JSON.parse on a megabyte or more: the flood's bodies, had they been parsed. */
  const bigParses: number[] = [];

  beforeAll(async () => {
    gateway = await startLocalGateway({ apiKeys: [alpha, beta], awaitReplay: false });
    const parse = JSON.parse.bind(JSON);
    jest
      .spyOn(JSON, 'parse')
      .mockImplementation((text: string, reviver?: Parameters<typeof JSON.parse>[1]) => {
        if (typeof text === 'string' && text.length >= 1_000_000) bigParses.push(text.length);
        return parse(text, reviver) as unknown;
      });
  }, BOOT_TIMEOUT_MS);

  afterEach(() => {
    bigParses.length = 0;
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    await gateway?.close();
  });

  const post = (body: Buffer, headers: Readonly<Record<string, string>>): request.Test =>
    api()
      .post(ANALYZE)
      .set({ 'Content-Type': 'application/json', ...headers })
      // superagent would serialise a Buffer to JSON under a JSON content type.
      .serialize((value: unknown) => value as string)
      .send(body);

  it('answers an unauthenticated gzip flood 401 then 429, parsing none of it, while a probe is answered', async () => {
    expect(FLOOD_JSON.length).toBeGreaterThan(1_500_000);
    expect(FLOOD_GZIP.length).toBeLessThan(10_000);
    const flood = Array.from({ length: 60 }, () => post(FLOOD_GZIP, { 'Content-Encoding': 'gzip' }));
    const probes = Array.from({ length: 20 }, () => api().get('/health/live'));

    const [answers, probed] = await Promise.all([Promise.all(flood), Promise.all(probes)]);

    const statuses = answers.map((response) => response.status).sort();
    expect(statuses).toEqual([
      ...new Array<number>(ANALYZE_LIMIT).fill(401),
      ...new Array<number>(60 - ANALYZE_LIMIT).fill(429),
    ]);
    for (const response of answers) expectError(response, response.status);
    expect(bigParses).toEqual([]);
    expect(probed.map((response) => response.status)).toEqual(probed.map(() => 200));
  });

  /** POST indicators (30 a minute per client): the flood above spent this IP's analyze budget. */
  const indicators = (body: Buffer, headers: Readonly<Record<string, string>>): request.Test =>
    api()
      .post('/v1/indicators')
      .set({ 'Content-Type': 'application/json', ...headers })
      .serialize((value: unknown) => value as string)
      .send(body);

  it('refuses a missing or unknown key before inflating or parsing the body', async () => {
    const cases = [
      { what: 'corrupt gzip', body: CORRUPT_GZIP, encoding: 'gzip', read: 400 },
      { what: 'not JSON', body: Buffer.from('{"candles": [1, '), encoding: 'identity', read: 400 },
      { what: 'unsupported encoding', body: CORRUPT_GZIP, encoding: 'compress', read: 415 },
    ];
    const answer = async (key: string | null): Promise<string[]> => {
      const answers = await Promise.all(
        cases.map(({ body, encoding }) =>
          indicators(body, { 'Content-Encoding': encoding, ...(key === null ? {} : { 'X-API-Key': key }) }),
        ),
      );
      return answers.map(
        (response, i) => `${cases[i]?.what ?? '?'}: ${expectError(response, response.status).statusCode}`,
      );
    };

    expect(await answer(null)).toEqual(cases.map(({ what }) => `${what}: 401`));
    expect(await answer('ck_guess')).toEqual(cases.map(({ what }) => `${what}: 401`));
    // With a valid key the same bodies are read, and refused for what they are.
    expect(await answer(beta.key)).toEqual(cases.map(({ what, read }) => `${what}: ${read}`));
  });

  it('answers 401 to a key-less body longer than the body limit, which it never reads', async () => {
    const limit = (gateway ?? fail()).config.app.http.bodyLimitBytes;
    const oversized = Buffer.alloc(limit + 1024, ' ');
    const unread = await indicators(oversized, {});
    const read = await indicators(oversized, { 'X-API-Key': alpha.key });

    expect(expectError(unread, 401).message).toBe('X-API-Key header required');
    expectError(read, 413);
  });

  it('counts a key past its limit before reading the body: 429 for a body that would be a 400', async () => {
    const spend = Array.from({ length: ANALYZE_LIMIT }, () =>
      post(Buffer.from('{}'), { 'X-API-Key': alpha.key }),
    );
    const spent = await Promise.all(spend);
    expect(spent.map((response) => response.status)).toEqual(spent.map(() => 400));

    const limited = await post(CORRUPT_GZIP, { 'X-API-Key': alpha.key, 'Content-Encoding': 'gzip' });
    const error = expectError(limited, 429);
    expect(error.message).toMatch(/^rate limit exceeded/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // A refused body counts as a hit, as before: the other key's budget is its own.
    const other = await post(Buffer.from('{}'), { 'X-API-Key': beta.key });
    expect(other.status).toBe(400);
  });

  it('answers 415 for a key holder with a wrong content type before reading the body', async () => {
    const response = await indicators(CORRUPT_GZIP, {
      'Content-Type': 'text/plain',
      'Content-Encoding': 'gzip',
      'X-API-Key': beta.key,
    });

    expect(expectError(response, 415).message).toBe('Content-Type must be application/json (got text/plain)');
  });
});

describe('oversized arrays, refused before any element is copied', () => {
  let gateway: LocalGateway | undefined;
  const api = (): ReturnType<typeof request> => request((gateway ?? fail()).server);
  const gamma = testApiKey('gamma');

  beforeAll(async () => {
    gateway = await startLocalGateway({ apiKeys: [gamma], awaitReplay: false });
  }, BOOT_TIMEOUT_MS);

  afterAll(async () => {
    await gateway?.close();
  });

  const analyze = (body: object): request.Test => api().post(ANALYZE).set('X-API-Key', gamma.key).send(body);

  it('names only the array past its bound, though each of its elements is invalid too', async () => {
    const onDemand = jest.spyOn((gateway ?? fail()).app.get(OnDemandAnalysis), 'analyzeAndStore');
    const candles = { '1m': syntheticCandles(60) };
    const badTrade = { timestamp: -1.5, price: 0, size: -1, side: 'up' };
    const badLevel = { price: -1, size: 'x' };
    const cases = [
      {
        body: { symbol: 'BTC/USDT', candles, trades: new Array(3 * MAX_TRADES).fill(badTrade) },
        field: 'trades',
        max: MAX_TRADES,
      },
      {
        body: {
          symbol: 'BTC/USDT',
          candles,
          orderBook: { timestamp: 1, bids: new Array(MAX_BOOK_LEVELS + 1).fill(badLevel), asks: [] },
        },
        field: 'orderBook.bids',
        max: MAX_BOOK_LEVELS,
      },
    ];
    for (const { body, field, max } of cases) {
      const error = expectError(await analyze(body), 400);
      expect(error.errors).toEqual([{ field, message: `must contain no more than ${max} elements` }]);
    }
    // Within the bound, the same elements are validated and each one named (the path still works).
    const within = bodyOf<ErrorBody>(
      await analyze({ symbol: 'BTC/USDT', candles, trades: [badTrade, badTrade] }),
    );
    expect(within.errors?.map((issue) => issue.field)).toEqual(
      expect.arrayContaining(['trades[0].timestamp', 'trades[1].side']),
    );
    expect(onDemand).not.toHaveBeenCalled();
  });

  it('refuses 900,000 numbers as candles with one issue', async () => {
    const response = await analyze({ symbol: 'BTC/USDT', candles: { '1m': new Array(900_000).fill(1) } });

    expect(expectError(response, 400).errors).toEqual([
      { field: 'candles.1m', message: `must hold at most ${MAX_CANDLES_PER_TIMEFRAME} candles` },
    ]);
  });

  const TRADE = { timestamp: 1_613_692_800_000, price: 100, size: 1, side: 'buy' };
  const TOO_MANY_TRADES = [{ field: 'trades', message: `must contain no more than ${MAX_TRADES} elements` }];
  /** 30,000 trades (the issue's body), 1.8 MB. */
  const tradesBody = (): Buffer =>
    Buffer.from(
      JSON.stringify({
        symbol: 'BTC/USDT',
        candles: { '1m': [CANDLE] },
        trades: new Array(30_000).fill(TRADE),
      }),
    );

  /** The gateway's port: supertest listens per request; these requests need one address. */
  async function port(): Promise<number> {
    const server = (gateway ?? fail()).server;
    if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  /**
   * A POST analyze that sends `parts` (their length as Content-Length, unless `headers` says
   * otherwise), ends the request only if `end`, and resolves at the answer.
   */
  async function post(
    parts: readonly Buffer[],
    options: { end: boolean; agent?: Agent; headers?: Record<string, string> },
  ): Promise<{ status: number; body: ErrorBody; connection: string | undefined; reused: boolean }> {
    const req = httpRequest({
      host: '127.0.0.1',
      port: await port(),
      method: 'POST',
      path: ANALYZE,
      agent: options.agent ?? false,
      headers: {
        'content-type': 'application/json',
        'x-api-key': gamma.key,
        'content-length': String(Buffer.concat(parts).length),
        ...options.headers,
      },
    });
    for (const part of parts) req.write(part);
    if (options.end) req.end();
    const [response] = (await once(req, 'response')) as [IncomingMessage];
    const chunks: Buffer[] = [];
    for await (const chunk of response) chunks.push(chunk as Buffer);
    if (!options.end) req.destroy();
    return {
      status: response.statusCode ?? 0,
      body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as ErrorBody,
      connection: response.headers.connection,
      reused: req.reusedSocket,
    };
  }

  it('answers 30,000 trades with the 400 while the body is still arriving', async () => {
    const body = tradesBody();
    // Half of it: 15,000 trades, the 10,001st among them; the rest is never sent.
    const answer = await post([body.subarray(0, body.length / 2)], {
      end: false,
      headers: { 'content-length': String(body.length) },
    });

    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ statusCode: 400, error: 'Bad Request', errors: TOO_MANY_TRADES });
  });

  it('refuses them in a gzip body as in a plain one, unparsed, and closes the connection', async () => {
    const parse = jest.spyOn(JSON, 'parse');
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const plain = await post([tradesBody()], { end: true, agent });
      const gzip = await post([gzipSync(tradesBody())], {
        end: true,
        agent,
        headers: { 'content-encoding': 'gzip' },
      });
      const next = await post([Buffer.from('{}')], { end: true, agent });

      expect([plain, gzip].map(({ status, body, connection }) => [status, body.errors, connection])).toEqual([
        [400, TOO_MANY_TRADES, 'close'],
        [400, TOO_MANY_TRADES, 'close'],
      ]);
      expect(
        parse.mock.calls.filter(([text]) => typeof text === 'string' && text.length > 1_000_000),
      ).toEqual([]);
      // The rest of a refused body is not read: its connection ends with the answer (as after a
      // 413), and the next request comes on a new one.
      expect([gzip.reused, next.reused, next.status]).toEqual([false, false, 400]);
    } finally {
      parse.mockRestore();
      agent.destroy();
    }
  });
});
