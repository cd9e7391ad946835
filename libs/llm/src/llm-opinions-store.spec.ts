import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type LlmCostRepository, type LlmCacheRepository } from '@app/persistence';
import { FakeOpenAiServer, ManualClock } from '@app/testing';
import { indexedRepositories } from '../../persistence/src/testing/test-repositories.js';
// By path: the test store loads mongoose and the embedded server (see its comment).
import { openTestStore, type TestStore } from '../../testing/src/test-store.js';
import { OpenAiModel } from './client/openai-model.js';
import { InProcessRateLimiter } from './limits/in-process-rate-limiter.js';
import { countAttempt, LlmOpinions, newLlmCounters } from './llm-opinions.js';
import { opinionSettings, resultOf, rising, T0 } from './testing/opinion-kit.js';

/**
 * The whole opinion path on real parts: the SDK against the fake endpoint, the cache and the cost
 * ledger on the embedded store. What the ledger holds must equal what the endpoint reported.
 */

const KEYS = ['sk-store-spec-key-aaaa1111', 'sk-store-spec-key-bbbb2222'];
const DAY = '2026-12-07';
const PRICE = { inputPerMillion: 0.15, outputPerMillion: 0.6 };

let store: TestStore;
let fake: FakeOpenAiServer;
let cache: LlmCacheRepository;
let costs: LlmCostRepository;
const lines: string[] = [];
const logger = {
  log: (l: string) => lines.push(l),
  warn: (l: string) => lines.push(l),
  error: (l: string) => lines.push(l),
};

beforeAll(async () => {
  store = await openTestStore();
  const repos = await indexedRepositories(await store.connect());
  cache = repos.llmCache;
  costs = repos.llmCosts;
  fake = await FakeOpenAiServer.start();
});
afterAll(async () => {
  await fake.close();
  await store.close();
});

function opinions(budget = 5) {
  const clock = new ManualClock(T0 + 3_600_000);
  const counters = newLlmCounters();
  const model = new OpenAiModel(
    {
      baseUrl: fake.baseURL,
      model: 'gpt-4o-mini',
      timeoutMs: 5_000,
      maxAttempts: 3,
      retry: { baseMs: 10, maxMs: 100 },
      rateLimitCooldownMs: 20_000,
      maxOutputTokens: 500,
      temperature: 0.2,
      maxKeyWaitMs: 60_000,
    },
    {
      keys: KEYS,
      limiter: new InProcessRateLimiter({ minSpacingMs: 0, maxConcurrent: 2, maxWaitMs: 60_000 }, clock),
      clock,
      logger,
      onAttempt: (outcome) => {
        countAttempt(counters, outcome);
      },
    },
  );
  const settings = opinionSettings({ price: PRICE, dailyBudgetUsd: budget });
  return new LlmOpinions(settings, model, { cache, costs }, clock, logger, counters);
}

describe('LlmOpinions on the SDK, the cache and the ledger', () => {
  const results = ['BTC/USDT', 'ETH/USDT', 'LTC/USDT', 'SOL/USDT', 'XRP/USDT', 'ADA/USDT'].map((symbol) =>
    resultOf(rising(), symbol),
  );

  it('charges every answer the endpoint reported usage for, valid or not, exactly as reported', async () => {
    const service = opinions();
    fake.script(
      '*',
      { kind: 'invalid-json' },
      { kind: 'schema-violation' },
      { kind: 'ok' },
      { kind: 'rate-limit', retryAfterSeconds: 5 },
      { kind: 'ok' },
      { kind: 'refusal' },
      { kind: 'ok' },
    );

    const given = [];
    for (const result of results) given.push(await service.opinionOf(result));

    expect(given.map((o) => (o.status === 'ok' ? 'ok' : o.reason))).toEqual([
      'invalid-answer',
      'invalid-answer',
      'ok',
      'ok',
      'invalid-answer',
      'ok',
    ]);
    const reported = fake.reportedUsage();
    const [ledger] = await costs.range(DAY, DAY);
    expect(ledger).toEqual({
      day: DAY,
      model: 'gpt-4o-mini',
      requests: reported.requests,
      promptTokens: reported.promptTokens,
      completionTokens: reported.completionTokens,
      costUsd: expect.any(Number),
    });
    expect(reported.requests).toBe(6);
    expect(ledger?.costUsd).toBeCloseTo(
      (reported.promptTokens * 0.15 + reported.completionTokens * 0.6) / 1e6,
      12,
    );
    expect(service.status().counters).toMatchObject({
      invalidAnswers: 3,
      attempts: { ok: 6, 'rate-limited': 1 },
    });
  });

  it('serves a cached answer from the store without a request, also to another process', async () => {
    const before = fake.requests.length;
    const elsewhere = opinions();

    const again = await elsewhere.opinionOf(results[2] ?? results[0]!);

    expect(again).toMatchObject({ status: 'ok', cached: true });
    expect(fake.requests.length).toBe(before);
  });

  it('makes no request once the shared ledger holds the day’s budget', async () => {
    const [ledger] = await costs.range(DAY, DAY);
    const capped = opinions(ledger?.costUsd ?? 0);
    const before = fake.requests.length;

    const refused = await capped.opinionOf(resultOf(rising(), 'DOT/USDT'));

    expect(refused).toMatchObject({ status: 'unavailable', reason: 'budget-exhausted' });
    expect(fake.requests.length).toBe(before);
    expect((await capped.refreshBudget()).exhausted).toBe(true);
  });

  it('never logs a key', () => {
    expect(lines.some((line) => line.includes('…2222') || line.includes('…1111'))).toBe(true);
    for (const key of KEYS) expect(lines.filter((line) => line.includes(key))).toEqual([]);
  });
});
