import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI from 'openai';
import { NEUTRAL_OPINION_CONTENT } from './completions.js';
import { FakeOpenAiServer } from './fake-openai.server.js';
import { realmSafeFetch } from './realm-safe-fetch.js';
import {
  failure,
  instanceOf,
  KEY,
  opinionParams,
  type Params,
  PROMPT_TOKENS,
} from './fake-openai.fixtures.js';
import type { FakeOpenAiBehaviour } from './fake-openai.types.js';

// Every call goes through the real `openai` SDK (6.30.1), so what these tests pin down is what a
// client built on it will see.

const NOW = Date.UTC(2025, 4, 6, 7, 8, 9, 321);
const params = opinionParams;

let fake: FakeOpenAiServer;

beforeAll(async () => {
  fake = await FakeOpenAiServer.start({ now: () => NOW });
});

afterEach(() => {
  fake.reset();
});

afterAll(async () => {
  await fake.close();
});

function client(options: { apiKey?: string; timeout?: number; fetch?: typeof fetch } = {}): OpenAI {
  return new OpenAI({ apiKey: KEY, baseURL: fake.baseURL, maxRetries: 0, timeout: 30_000, ...options });
}

describe('an ok answer', () => {
  it('is a chat.completion the SDK parses, with the default NEUTRAL opinion as content', async () => {
    const { data, response } = await client().chat.completions.create(params()).withResponse();

    expect(data.id).toMatch(/^chatcmpl-[A-Za-z0-9]{29}$/);
    expect(data.object).toBe('chat.completion');
    expect(data.created).toBe(Math.floor(NOW / 1000));
    expect(data.model).toBe('gpt-4o-mini');
    expect(data).toMatchObject({
      service_tier: 'default',
      system_fingerprint: expect.stringMatching(/^fp_[0-9a-f]+$/),
    });
    expect(data.choices).toEqual([
      {
        index: 0,
        message: { role: 'assistant', content: NEUTRAL_OPINION_CONTENT, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: 'stop',
      },
    ]);
    expect(JSON.parse(NEUTRAL_OPINION_CONTENT)).toEqual({
      signal: 'NEUTRAL',
      confidence: 0.5,
      reasoning: 'Momentum and trend disagree; no edge either way.',
      risks: ['Range breakout in either direction'],
    });
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toMatch(/^req_[0-9a-f]{32}$/);
    expect(data).toHaveProperty('_request_id', requestId);
    expect(response.headers.get('x-ratelimit-limit-requests')).toBe('5000');
    expect(response.headers.get('x-ratelimit-remaining-tokens')).toBe(String(4_000_000 - PROMPT_TOKENS));
  });

  it('counts tokens deterministically, and reportedUsage() sums exactly what was sent', async () => {
    const first = await client().chat.completions.create(params());
    const second = await client().chat.completions.create(params('x'.repeat(41)));
    const completionTokens = Math.ceil(NEUTRAL_OPINION_CONTENT.length / 4);

    expect(first.usage).toEqual({
      prompt_tokens: PROMPT_TOKENS,
      completion_tokens: completionTokens,
      total_tokens: PROMPT_TOKENS + completionTokens,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: 0,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    });
    // ceil((18 + 41) / 4) = 15, plus 6 for the two messages.
    expect(second.usage?.prompt_tokens).toBe(21);
    expect(fake.reportedUsage()).toEqual({
      promptTokens: PROMPT_TOKENS + 21,
      completionTokens: 2 * completionTokens,
      requests: 2,
    });
  });

  it('logs the key, path and body of each request, and answers with the scripted content', async () => {
    fake.script(KEY, { kind: 'ok', content: '{"signal":"LONG"}' });
    const completion = await client().chat.completions.create(params());

    expect(completion.choices[0]?.message.content).toBe('{"signal":"LONG"}');
    expect(fake.requests).toEqual([
      {
        key: KEY,
        method: 'POST',
        path: '/v1/chat/completions',
        body: params(),
        receivedAt: NOW,
        behaviour: 'ok',
        status: 200,
      },
    ]);
  });

  it('builds the content with the `answer` option from the request body, and echoes `model` when none is named', async () => {
    const own = await FakeOpenAiServer.start({
      model: 'gpt-4.1-mini',
      answer: (body) => JSON.stringify({ echoed: (body as Params).messages.length }),
    });
    try {
      const sdk = new OpenAI({ apiKey: KEY, baseURL: own.baseURL, maxRetries: 0 });
      const completion = await sdk.chat.completions.create({ ...params(), model: '' });
      expect(completion.choices[0]?.message.content).toBe('{"echoed":2}');
      expect(completion.model).toBe('gpt-4.1-mini');
    } finally {
      await own.close();
    }
  });
});

describe('error behaviours surface as the SDK error classes', () => {
  it('rate-limit: RateLimitError 429 with retry-after and the x-ratelimit headers', async () => {
    fake.script(KEY, { kind: 'rate-limit', retryAfterSeconds: 7 });
    const error = await failure(client().chat.completions.create(params()));

    const limited = instanceOf(error, OpenAI.RateLimitError);
    expect(limited.status).toBe(429);
    expect(limited.code).toBe('rate_limit_exceeded');
    expect(limited.type).toBe('requests');
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(limited.headers.get('retry-after-ms')).toBeNull();
    expect(limited.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(limited.headers.get('x-ratelimit-reset-requests')).toBe('7000ms');
    expect(limited.requestID).toMatch(/^req_[0-9a-f]{32}$/);
    expect(fake.reportedUsage().requests).toBe(0);
  });

  it('rate-limit with insufficientQuota: code insufficient_quota', async () => {
    fake.script(KEY, { kind: 'rate-limit', insufficientQuota: true });
    const error = await failure(client().chat.completions.create(params()));
    expect(instanceOf(error, OpenAI.RateLimitError).code).toBe('insufficient_quota');
  });

  it.each<[FakeOpenAiBehaviour, unknown, number, string | null, string]>([
    [{ kind: 'unauthorized' }, OpenAI.AuthenticationError, 401, 'invalid_api_key', 'invalid_request_error'],
    [
      { kind: 'forbidden' },
      OpenAI.PermissionDeniedError,
      403,
      'unsupported_country_region_territory',
      'request_forbidden',
    ],
    [{ kind: 'server-error' }, OpenAI.InternalServerError, 500, null, 'server_error'],
    [{ kind: 'server-error', status: 503 }, OpenAI.InternalServerError, 503, null, 'server_error'],
  ])('%j → %p', async (behaviour, errorClass, status, code, type) => {
    fake.script(KEY, behaviour);
    const error = await failure(client().chat.completions.create(params()));

    expect(error).toBeInstanceOf(errorClass);
    const apiError = instanceOf(error, OpenAI.APIError);
    expect(apiError.status).toBe(status);
    expect(apiError.code).toBe(code);
    expect(apiError.type).toBe(type);
    expect(fake.requests.map((r) => [r.behaviour, r.status])).toEqual([[behaviour.kind, status]]);
  });

  it('unauthorized names the key only masked, as the API does', async () => {
    fake.script(KEY, { kind: 'unauthorized' });
    const error = await failure(client().chat.completions.create(params()));

    expect(error.message).toBe(
      '401 Incorrect API key provided: sk-*********************abcd. You can find your API key at https://platform.openai.com/account/api-keys.',
    );
    expect(error.message).not.toContain(KEY);
  });

  // A timed-out request may reach the fake after the abort, or never (the SDK's timer and the
  // fake share one event loop), so the log is not asserted here (the close() test in
  // fake-openai-scripting.spec.ts covers it), and each uses a key no other test scripts: a
  // straggler takes nobody's behaviour (and these tests run last).
  it('hang: the SDK times out (APIConnectionTimeoutError)', async () => {
    fake.script('sk-hang-with-realm-safe-fetch', { kind: 'hang' });
    const sdk = client({ apiKey: 'sk-hang-with-realm-safe-fetch', timeout: 200, fetch: realmSafeFetch });
    const error = await failure(sdk.chat.completions.create(params()));

    expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
  });

  it('hang without realmSafeFetch: under Jest the SDK reports its timeout as a plain connection error', async () => {
    // Pins why realmSafeFetch exists; when this fails, Jest or the SDK fixed the realm mix-up.
    fake.script('sk-hang-with-plain-fetch', { kind: 'hang' });
    const sdk = client({ apiKey: 'sk-hang-with-plain-fetch', timeout: 200 });
    const error = await failure(sdk.chat.completions.create(params()));

    expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(error).not.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect((error as Error & { cause?: Error }).cause?.message).toBe('{}');
  });
});
