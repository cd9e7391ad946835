/**
 * The LLM cost ledger's reads (ranges of days, a day's total) against a real store (embedded by
 * default, MongoDB with MONGODB_URI), including totals after concurrent charges.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
// By path: the testing index leaves mongoose and the embedded server out (0.5 s a suite).
import { openTestStore, type TestStore } from '../../testing/src/test-store.js';
import type { StoreRepositories } from './models.js';
import { StoreInputError } from './persistence.errors.js';
import type { Charge } from './repositories/llm.repository.js';
import { indexedRepositories } from './testing/test-repositories.js';

let store: TestStore;
let repos: StoreRepositories;

/** Costs are multiples of 1/64 USD: binary fractions, so every sum below is exact in any order. */
const charge = (opId: string, day: string, model: string, tokens: number, costUsd: number): Charge => ({
  opId,
  day,
  model,
  promptTokens: tokens,
  completionTokens: tokens / 10,
  costUsd,
});

beforeAll(async () => {
  store = await openTestStore();
  const connection = await store.connect();
  repos = await indexedRepositories(connection);
  for (const c of [
    charge('a1', '2024-02-28', 'gpt-b', 1_000, 0.5),
    charge('a2', '2024-02-28', 'gpt-a', 2_000, 0.25),
    charge('a3', '2024-02-29', 'gpt-b', 500, 0.125),
    charge('a4', '2024-02-29', 'gpt-b', 300, 0.0625),
    charge('a5', '2024-02-29', 'gpt-a', 100, 0.015625),
    charge('a6', '2024-03-01', 'gpt-a', 40, 1),
    charge('a7', '2024-03-02', 'gpt-a', 60, 2),
  ])
    await repos.llmCosts.charge(c);
});

afterAll(async () => {
  await store.close();
});

describe('LlmCostRepository.range', () => {
  it('returns the ledgers of the days in range (inclusive) by day then model', async () => {
    expect(await repos.llmCosts.range('2024-02-28', '2024-03-01')).toEqual([
      {
        day: '2024-02-28',
        model: 'gpt-a',
        requests: 1,
        promptTokens: 2_000,
        completionTokens: 200,
        costUsd: 0.25,
      },
      {
        day: '2024-02-28',
        model: 'gpt-b',
        requests: 1,
        promptTokens: 1_000,
        completionTokens: 100,
        costUsd: 0.5,
      },
      {
        day: '2024-02-29',
        model: 'gpt-a',
        requests: 1,
        promptTokens: 100,
        completionTokens: 10,
        costUsd: 0.015625,
      },
      {
        day: '2024-02-29',
        model: 'gpt-b',
        requests: 2,
        promptTokens: 800,
        completionTokens: 80,
        costUsd: 0.1875,
      },
      { day: '2024-03-01', model: 'gpt-a', requests: 1, promptTokens: 40, completionTokens: 4, costUsd: 1 },
    ]);
    expect((await repos.llmCosts.range('2024-03-02', '2024-03-02')).map((c) => c.costUsd)).toEqual([2]);
    expect(await repos.llmCosts.range('2023-01-01', '2023-12-31')).toEqual([]);
  });

  it('takes up to 366 days and refuses longer, reversed or malformed ranges', async () => {
    // 2024 is a leap year: its 366 days are the most one call may ask for.
    expect(await repos.llmCosts.range('2024-01-01', '2024-12-31')).toHaveLength(6);
    await expect(repos.llmCosts.range('2024-01-01', '2025-01-01')).rejects.toThrow(StoreInputError);
    await expect(repos.llmCosts.range('2024-01-01', '2025-01-01')).rejects.toThrow(
      'toDay is 367 days from fromDay, over the 366 allowed',
    );
    await expect(repos.llmCosts.range('2024-03-02', '2024-03-01')).rejects.toThrow(
      'toDay is before fromDay (2024-03-02)',
    );
    await expect(repos.llmCosts.range('2023-02-29', '2023-03-01')).rejects.toThrow(/^fromDay is not a day/);
    await expect(repos.llmCosts.range('2024-03-01', '2024-3-2')).rejects.toThrow(/^toDay is not a day/);
  });
});

describe('LlmCostRepository.spent', () => {
  it('totals the day across models, and is 0 for a day without charges', async () => {
    expect(await repos.llmCosts.spent('2024-02-28')).toBe(0.75);
    expect(await repos.llmCosts.spent('2024-02-29')).toBe(0.203125);
    expect(await repos.llmCosts.spent('2024-03-03')).toBe(0);
    await expect(repos.llmCosts.spent('yesterday')).rejects.toThrow(StoreInputError);
  });

  it('counts every one of 50 concurrent charges exactly once, and a repeated charge once', async () => {
    const day = '2024-06-01';
    const charges = Array.from({ length: 50 }, (_, i) =>
      charge(`c-${i}`, day, 'gpt-a', 10 * (i + 1), (i + 1) / 64),
    );
    // Another model's first charges of the day at the same time: its ledger is created concurrently.
    const others = Array.from({ length: 10 }, (_, i) => charge(`o-${i}`, day, 'gpt-b', 100, 1 / 64));
    await Promise.all([...charges, ...others].map((c) => repos.llmCosts.charge(c)));
    // Retries of charges already applied (a lost acknowledgement), concurrent with each other too.
    const retried = charge('c-7', day, 'gpt-a', 80, 8 / 64);
    await Promise.all([retried, retried, retried].map((c) => repos.llmCosts.charge(c)));

    // 10 × (1 + … + 50) = 12 750 prompt tokens; costs (1 + … + 50) / 64 USD.
    expect(await repos.llmCosts.day(day)).toEqual([
      {
        day,
        model: 'gpt-a',
        requests: 50,
        promptTokens: 12_750,
        completionTokens: 1_275,
        costUsd: 1_275 / 64,
      },
      { day, model: 'gpt-b', requests: 10, promptTokens: 1_000, completionTokens: 100, costUsd: 10 / 64 },
    ]);
    expect(await repos.llmCosts.spent(day)).toBe(1_285 / 64);
  });
});
