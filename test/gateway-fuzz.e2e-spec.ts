import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import type { Response } from 'supertest';
import { MARKET_FILES } from '@app/testing';
import { validAnalyze, validIndicators } from './fuzz-bodies.js';
import { getCase, pathCase } from './fuzz-get-cases.js';
import {
  alpha,
  BODY_LIMIT,
  Draw,
  GET_CASES,
  PATH_CASES,
  POST_CASES,
  refusals,
  report,
  run,
  SEED,
  toText,
} from './fuzz-kit.js';
import { postCase } from './fuzz-post-cases.js';
import { type LocalGateway, rateLimitPatches, startLocalGateway } from './gateway-kit.js';

/**
 * Malformed input against the real local-mode app: bodies to POST analyze and POST indicators,
 * query strings and paths to the GET endpoints, drawn from a seeded PRNG (the same cases every
 * run; a failure names its case number). A client's mistake is never a 5xx: every answer is
 * 400/401/404/413/415 in the one error shape with the request id, validation 400s list fields.
 */

describe('fuzzing the REST API with malformed input (seed 0x6a7e2026)', () => {
  let gw: LocalGateway;

  beforeAll(async () => {
    gw = await startLocalGateway({
      files: [{ file: MARKET_FILES.btc1m, limit: 80 }],
      apiKeys: [alpha],
      patches: [
        { file: 'app.yaml', from: 'bodyLimitBytes: 2097152', to: `bodyLimitBytes: ${BODY_LIMIT}` },
        // High enough that no 429 hides an answer.
        ...rateLimitPatches({ default: 1_000_000, analyze: 1_000_000, indicators: 1_000_000 }),
      ],
    });
  });

  afterAll(async () => {
    await gw.close();
  });

  // Drawn in a fixed order, so each case is the same on every run.
  const draw = new Draw(SEED);
  const analyzeCases = Array.from({ length: POST_CASES }, (_, i) =>
    postCase(draw, i, '/v1/confluence/analyze'),
  );
  const indicatorCases = Array.from({ length: POST_CASES }, (_, i) =>
    postCase(draw, POST_CASES + i, '/v1/indicators'),
  );
  const queryCases = Array.from({ length: GET_CASES }, (_, i) => getCase(draw, 2 * POST_CASES + i));
  const pathCases = Array.from({ length: PATH_CASES }, (_, i) =>
    pathCase(draw, 2 * POST_CASES + GET_CASES + i),
  );

  it('POST /v1/confluence/analyze: 500 malformed bodies, each a 4xx in the error shape', async () => {
    const outcome = await run(gw.server, analyzeCases);

    // The draw reached every kind of refusal.
    expect(refusals(outcome)).toEqual(['400', '401', '413', '415']);
    expect(report(outcome)).toEqual({ count: 0, first: [] });
  }, 120_000);

  it('POST /v1/indicators: 500 malformed bodies, each a 4xx in the error shape', async () => {
    const outcome = await run(gw.server, indicatorCases);

    expect(refusals(outcome)).toEqual(['400', '401', '413', '415']);
    expect(report(outcome)).toEqual({ count: 0, first: [] });
  }, 120_000);

  it('GET endpoints: malformed query strings are 400s listing the fields', async () => {
    const outcome = await run(gw.server, queryCases);

    expect(report(outcome)).toEqual({ count: 0, first: [] });
  }, 60_000);

  it('GET endpoints: malformed paths are 400 or 404, never 5xx', async () => {
    const outcome = await run(gw.server, pathCases);

    expect(report(outcome)).toEqual({ count: 0, first: [] });
  }, 60_000);

  it('strips __proto__, constructor and prototype keys (Nest does, before validation) and answers as without them', async () => {
    const latest = async (query: string): Promise<Response> =>
      request(gw.server).get(`/v1/confluence/binance/BTC-USDT${query}`).expect(200);
    const plain = await latest('');
    for (const query of ['?__proto__=1', '?constructor=1', '?prototype=1'])
      expect((await latest(query)).body).toEqual(plain.body);

    const valid = toText(validIndicators());
    const expected = (
      await request(gw.server)
        .post('/v1/indicators')
        .set('X-API-Key', alpha.key)
        .send(validIndicators())
        .expect(200)
    ).body as unknown;
    for (const extra of [
      '"__proto__":{"polluted":"yes"},',
      '"constructor":{"prototype":{"polluted":"yes"}},',
      '"prototype":1,',
    ]) {
      const response = await request(gw.server)
        .post('/v1/indicators')
        .set('X-API-Key', alpha.key)
        .set('Content-Type', 'application/json')
        .send(`{${extra}${valid.slice(1)}`)
        .expect(200);
      expect(response.body).toEqual(expected);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('still answers valid requests after all of it', async () => {
    const analyzed = await request(gw.server)
      .post('/v1/confluence/analyze')
      .set('X-API-Key', alpha.key)
      .send(validAnalyze())
      .expect(200);
    expect(analyzed.body).toMatchObject({ symbol: 'BTC/USDT', timeframe: '1m', stored: false });
    const indicators = await request(gw.server)
      .post('/v1/indicators')
      .set('X-API-Key', alpha.key)
      .send(validIndicators())
      .expect(200);
    expect(indicators.body).toMatchObject({ length: 30 });
    await request(gw.server).get('/v1/confluence/binance/BTC-USDT').expect(200);
    await request(gw.server).get('/health/ready').expect(200);
  });
});
