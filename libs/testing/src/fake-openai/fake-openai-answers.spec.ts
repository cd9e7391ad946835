import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI from 'openai';
import { FAKE_OPENAI_CONTENT, NEUTRAL_OPINION_CONTENT } from './completions.js';
import { failure, KEY, opinionParams, PROMPT_TOKENS } from './fake-openai.fixtures.js';
import { FakeOpenAiServer } from './fake-openai.server.js';

// The 200 answers a client must not trust, and the SDK's own retry reading the fake's headers.

let fake: FakeOpenAiServer;

beforeAll(async () => {
  fake = await FakeOpenAiServer.start();
});

afterEach(() => {
  fake.reset();
});

afterAll(async () => {
  await fake.close();
});

function client(maxRetries = 0): OpenAI {
  return new OpenAI({ apiKey: KEY, baseURL: fake.baseURL, maxRetries, timeout: 30_000 });
}

const tokens = (text: string): number => Math.ceil(text.length / 4);

describe('200 answers with unusable content', () => {
  it('invalid-json: a proper completion whose content is prose', async () => {
    fake.script(KEY, { kind: 'invalid-json' });
    const completion = await client().chat.completions.create(opinionParams());

    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]?.message.content).toBe('Sure! The market looks bullish.');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(() => JSON.parse(FAKE_OPENAI_CONTENT.invalidJson) as unknown).toThrow(SyntaxError);
    expect(completion.usage?.completion_tokens).toBe(tokens(FAKE_OPENAI_CONTENT.invalidJson));
  });

  it('schema-violation: JSON that breaks the opinion schema', async () => {
    fake.script(KEY, { kind: 'schema-violation' });
    const completion = await client().chat.completions.create(opinionParams());

    const content = completion.choices[0]?.message.content ?? '';
    expect(JSON.parse(content)).toEqual({
      signal: 'BUY',
      confidence: 1.7,
      reasoning: 'Momentum is strong.',
      risks: 'none',
    });
    expect(completion.choices[0]?.finish_reason).toBe('stop');
  });

  it('refusal: content null and refusal set, as structured outputs report it', async () => {
    fake.script(KEY, { kind: 'refusal' });
    const completion = await client().chat.completions.create(opinionParams());

    expect(completion.choices[0]?.message).toEqual({
      role: 'assistant',
      content: null,
      refusal: "I'm sorry, but I can't assist with that request.",
      annotations: [],
    });
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage?.completion_tokens).toBe(tokens(FAKE_OPENAI_CONTENT.refusal));
  });

  it('truncated: finish_reason length and the first half of the valid answer', async () => {
    fake.script(KEY, { kind: 'truncated' });
    const completion = await client().chat.completions.create(opinionParams());

    const content = completion.choices[0]?.message.content ?? '';
    expect(content).toBe(NEUTRAL_OPINION_CONTENT.slice(0, Math.floor(NEUTRAL_OPINION_CONTENT.length / 2)));
    expect(content.length).toBeGreaterThan(0);
    expect(() => JSON.parse(content) as unknown).toThrow(SyntaxError);
    expect(completion.choices[0]?.finish_reason).toBe('length');
  });

  it('malformed-body (application/json): the SDK rejects with a SyntaxError, no usage reported', async () => {
    fake.script(KEY, { kind: 'malformed-body' });
    const error = await failure(client().chat.completions.create(opinionParams()));

    // fetch's JSON parser lives in Node's realm, not Jest's: compare the name, not the class.
    expect(error.name).toBe('SyntaxError');
    expect(error).not.toBeInstanceOf(OpenAI.APIError);
    expect(fake.requests.map((r) => [r.behaviour, r.status])).toEqual([['malformed-body', 200]]);
    expect(fake.reportedUsage()).toEqual({ promptTokens: 0, completionTokens: 0, requests: 0 });
  });

  it("malformed-body (text/html): the SDK resolves with the proxy's page as a string", async () => {
    fake.script(KEY, { kind: 'malformed-body', contentType: 'text/html' });
    const answer: unknown = await client().chat.completions.create(opinionParams());

    expect(answer).toBe(FAKE_OPENAI_CONTENT.htmlBody);
  });

  it('reportedUsage() sums the usage of every 200 that carried one, whatever its content', async () => {
    fake.script(KEY, { kind: 'invalid-json' }, { kind: 'refusal' }, { kind: 'truncated' }, { kind: 'ok' });
    const sent = [];
    for (let i = 0; i < 4; i += 1) sent.push(await client().chat.completions.create(opinionParams()));

    expect(fake.reportedUsage()).toEqual({
      promptTokens: 4 * PROMPT_TOKENS,
      completionTokens: sent.reduce((sum, c) => sum + (c.usage?.completion_tokens ?? 0), 0),
      requests: 4,
    });
    expect(fake.reportedUsage().completionTokens).toBe(
      tokens(FAKE_OPENAI_CONTENT.invalidJson) +
        tokens(FAKE_OPENAI_CONTENT.refusal) +
        tokens(NEUTRAL_OPINION_CONTENT.slice(0, Math.floor(NEUTRAL_OPINION_CONTENT.length / 2))) +
        tokens(NEUTRAL_OPINION_CONTENT),
    );
  });
});

describe("the SDK's own retry reads the fake's retry headers", () => {
  it('retries at once on retry-after-ms 0 and succeeds on the second attempt', async () => {
    fake.script(KEY, { kind: 'rate-limit', retryAfterMs: 0 });
    const completion = await client(1).chat.completions.create(opinionParams());

    expect(completion.choices[0]?.message.content).toBe(NEUTRAL_OPINION_CONTENT);
    expect(fake.requests.map((r) => r.behaviour)).toEqual(['rate-limit', 'ok']);
  });

  it('waits at least retry-after-ms (1200 ms, beyond its own first backoff of at most 500 ms)', async () => {
    // SDK 6.30.1 client.ts calculateDefaultRetryTimeoutMillis: 0.5 s × 2^0 × (1 − jitter ≤ 0.25).
    // Only a lower bound is asserted (a loaded machine may add any delay), 100 ms under the wait
    // as timers and Date.now round differently; still far above the SDK's own 500 ms.
    fake.script(KEY, { kind: 'rate-limit', retryAfterMs: 1200 });
    await client(1).chat.completions.create(opinionParams());

    const [limited, ok] = fake.requests;
    expect([limited?.behaviour, ok?.behaviour]).toEqual(['rate-limit', 'ok']);
    expect((ok?.receivedAt ?? 0) - (limited?.receivedAt ?? 0)).toBeGreaterThanOrEqual(1100);
  });

  it('waits at least retry-after seconds when no retry-after-ms is sent', async () => {
    fake.script(KEY, { kind: 'rate-limit', retryAfterSeconds: 1 });
    await client(1).chat.completions.create(opinionParams());

    const [limited, ok] = fake.requests;
    expect(ok?.behaviour).toBe('ok');
    expect((ok?.receivedAt ?? 0) - (limited?.receivedAt ?? 0)).toBeGreaterThanOrEqual(900);
  });
});
