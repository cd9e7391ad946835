import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { FakeOpenAiServer, ManualClock, NEUTRAL_OPINION_CONTENT, realmSafeFetch } from '@app/testing';
import { InProcessRateLimiter } from '../limits/in-process-rate-limiter.js';
import type { AttemptOutcome, ModelRequest } from './opinion-model.js';
import { OpenAiModel, type OpenAiModelSettings, retryAfterOf } from './openai-model.js';

/**
 * The client through the real `openai` SDK against the loopback fake: key rotation, retries and
 * fallbacks as the endpoint's answers demand, and no key in any log line.
 */

const KEY_1 = 'sk-test-first-key-0001';
const KEY_2 = 'sk-test-second-key-0002';
const KEY_3 = 'sk-test-third-key-0003';
const T0 = Date.UTC(2026, 11, 7, 12, 0, 0);
const REQUEST: ModelRequest = { system: 'Be careful.', user: 'Facts: {}', schema: { type: 'object' } };

let fake: FakeOpenAiServer;
const lines: string[] = [];
const logger = {
  log: (line: string) => lines.push(line),
  warn: (line: string) => lines.push(line),
  error: (line: string) => lines.push(line),
};

beforeAll(async () => {
  fake = await FakeOpenAiServer.start();
});
afterEach(() => {
  fake.reset();
});
afterAll(async () => {
  await fake.close();
  // Whatever happened in the suite, no line ever held a key.
  for (const key of [KEY_1, KEY_2, KEY_3]) expect(lines.filter((line) => line.includes(key))).toEqual([]);
  expect(lines.some((line) => line.includes('…0001'))).toBe(true);
});

function model(keys: readonly string[], settings: Partial<OpenAiModelSettings> = {}) {
  const clock = new ManualClock(T0);
  const attempts: AttemptOutcome[] = [];
  const client = new OpenAiModel(
    {
      baseUrl: fake.baseURL,
      model: 'gpt-4o-mini',
      timeoutMs: 5_000,
      maxAttempts: 4,
      retry: { baseMs: 100, maxMs: 1_000 },
      rateLimitCooldownMs: 20_000,
      maxOutputTokens: 500,
      temperature: 0.2,
      maxKeyWaitMs: 60_000,
      ...settings,
    },
    {
      keys,
      limiter: new InProcessRateLimiter({ minSpacingMs: 0, maxConcurrent: 4, maxWaitMs: 60_000 }, clock),
      clock,
      logger,
      random: () => 0.5,
      onAttempt: (outcome) => attempts.push(outcome),
      fetch: realmSafeFetch,
    },
  );
  return { client, clock, attempts };
}

const keysSent = (): string[] => fake.requests.map((request) => request.key);

describe('OpenAiModel through the SDK', () => {
  it('sends a strict structured-output request and returns the answer with the reported usage', async () => {
    const { client } = model([KEY_1]);

    const outcome = await client.ask(REQUEST);

    const usage = fake.reportedUsage();
    expect(outcome).toEqual({
      ok: true,
      content: NEUTRAL_OPINION_CONTENT,
      refusal: null,
      finishReason: 'stop',
      usage: { promptTokens: usage.promptTokens, completionTokens: usage.completionTokens },
      model: 'gpt-4o-mini',
      key: '…0001',
      attempts: 1,
    });
    expect(fake.requests[0]?.body).toMatchObject({
      model: 'gpt-4o-mini',
      max_tokens: 500,
      temperature: 0.2,
      messages: [
        { role: 'system', content: 'Be careful.' },
        { role: 'user', content: 'Facts: {}' },
      ],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'confluence_opinion', strict: true, schema: { type: 'object' } },
      },
    });
  });

  it('moves to the next key on a 429 and rests the limited one for its Retry-After', async () => {
    fake.script(KEY_1, { kind: 'rate-limit', retryAfterSeconds: 30 });
    const { client, clock, attempts } = model([KEY_1, KEY_2]);

    const first = await client.ask(REQUEST);
    const resting = client.keys(clock.now());
    const second = await client.ask(REQUEST);
    clock.advance(30_001);
    const third = await client.ask(REQUEST);

    expect([first, second, third].map((o) => o.ok && o.key)).toEqual(['…0002', '…0002', '…0001']);
    expect(keysSent()).toEqual([KEY_1, KEY_2, KEY_2, KEY_1]);
    expect(resting).toEqual([
      { key: '…0001', state: 'cooling', until: T0 + 30_000 },
      { key: '…0002', state: 'ready' },
    ]);
    expect(attempts).toEqual(['rate-limited', 'ok', 'ok', 'ok']);
    // No backoff for a 429: the next key goes at once.
    expect(clock.sleeps).toEqual([]);
  });

  it('reads retry-after-ms first, then retry-after in seconds or as an HTTP date', () => {
    const headers = new Headers({ 'retry-after-ms': '1500', 'retry-after': '9' });
    expect(retryAfterOf(headers, T0)).toBe(1_500);
    expect(retryAfterOf(new Headers({ 'retry-after': new Date(T0 + 7_000).toUTCString() }), T0)).toBe(7_000);
    expect(retryAfterOf(new Headers(), T0)).toBeNull();
  });

  it('marks a key refused with 401 invalid for good, says which by its last four characters, and uses the others', async () => {
    fake.script(KEY_1, { kind: 'unauthorized' });
    const { client, clock } = model([KEY_1, KEY_2]);

    const outcomes = [await client.ask(REQUEST), await client.ask(REQUEST), await client.ask(REQUEST)];

    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(keysSent()).toEqual([KEY_1, KEY_2, KEY_2, KEY_2]);
    expect(client.keys(clock.now() + 86_400_000)).toEqual([
      { key: '…0001', state: 'invalid' },
      { key: '…0002', state: 'ready' },
    ]);
    expect(lines).toContain('LLM key …0001 refused (401): marked invalid until restart');
  });

  it('treats a 403 as a refused key too', async () => {
    fake.script(KEY_1, { kind: 'forbidden' });
    const { client, clock } = model([KEY_1, KEY_2]);

    expect((await client.ask(REQUEST)).ok).toBe(true);
    expect(client.keys(clock.now())[0]).toEqual({ key: '…0001', state: 'invalid' });
  });

  it('gives up with keys-failing when every key is refused, without retrying them', async () => {
    fake.setDefault('*', { kind: 'unauthorized' });
    const { client } = model([KEY_1, KEY_2, KEY_3]);

    const outcome = await client.ask(REQUEST);

    expect(outcome).toEqual({
      ok: false,
      reason: 'keys-failing',
      detail: 'every API key was refused by the endpoint (401/403)',
      attempts: 3,
    });
    expect(keysSent()).toEqual([KEY_1, KEY_2, KEY_3]);
  });

  it('waits for a resting key when it is free within the wait limit, and gives up when it is not', async () => {
    fake.script(KEY_1, { kind: 'rate-limit', retryAfterSeconds: 10 });
    const { client, clock } = model([KEY_1], { maxKeyWaitMs: 60_000 });

    const waited = await client.ask(REQUEST);
    fake.script(KEY_1, { kind: 'rate-limit', retryAfterSeconds: 3_600 });
    const gaveUp = await client.ask(REQUEST);

    expect(waited).toMatchObject({ ok: true, key: '…0001', attempts: 2 });
    expect(gaveUp).toEqual({
      ok: false,
      reason: 'keys-failing',
      detail: 'every API key is resting after a rate limit (429)',
      attempts: 1,
    });
    expect(clock.sleeps).toEqual([10_000]);
  });

  it('retries a 5xx with jittered backoff and answers when the endpoint recovers', async () => {
    fake.script('*', { kind: 'server-error', status: 503 }, { kind: 'server-error' });
    const { client, clock, attempts } = model([KEY_1]);

    const outcome = await client.ask(REQUEST);

    expect(outcome).toMatchObject({ ok: true, attempts: 3 });
    // Full jitter at random 0.5: half of 100 × 2^0, then half of 100 × 2^1.
    expect(clock.sleeps).toEqual([50, 100]);
    expect(attempts).toEqual(['server-error', 'server-error', 'ok']);
  });

  it('falls back with upstream-error when the endpoint keeps failing through every attempt', async () => {
    fake.setDefault('*', { kind: 'server-error' });
    const { client } = model([KEY_1, KEY_2], { maxAttempts: 3 });

    expect(await client.ask(REQUEST)).toEqual({
      ok: false,
      reason: 'upstream-error',
      detail: 'no answer after 3 attempt(s): the endpoint kept failing',
      attempts: 3,
    });
  });

  it('falls back with timeout when the endpoint never answers', async () => {
    fake.setDefault('*', { kind: 'hang' });
    const { client, attempts } = model([KEY_1], { timeoutMs: 300, maxAttempts: 2 });

    const outcome = await client.ask(REQUEST);

    expect(outcome).toEqual({
      ok: false,
      reason: 'timeout',
      detail: 'no answer after 2 attempt(s): the endpoint did not answer in time',
      attempts: 2,
    });
    expect(attempts).toEqual(['timeout', 'timeout']);
  });

  it('treats a body that is not JSON as an upstream failure and retries it', async () => {
    fake.script('*', { kind: 'malformed-body' });
    const { client } = model([KEY_1]);

    expect(await client.ask(REQUEST)).toMatchObject({ ok: true, attempts: 2 });
  });

  it('returns a refusal and a truncated answer as they came, for the opinion service to discard', async () => {
    fake.script('*', { kind: 'refusal' }, { kind: 'truncated' });
    const { client } = model([KEY_1]);

    const refusal = await client.ask(REQUEST);
    const truncated = await client.ask(REQUEST);

    expect(refusal).toMatchObject({ ok: true, content: null, refusal: expect.any(String) });
    expect(truncated).toMatchObject({ ok: true, finishReason: 'length' });
  });
});
