import { describe, expect, it } from '@jest/globals';
import { Signal } from '@app/contracts';
import { ManualClock } from '@app/testing';
import { LlmOpinions } from './llm-opinions.js';
import {
  answered,
  falling,
  flat,
  MemoryCache,
  MemoryLedger,
  opinionSettings,
  resultOf,
  rising,
  ScriptedModel,
  silentLog,
  T0,
  validAnswer,
} from './testing/opinion-kit.js';

function service(model: ScriptedModel | null, overrides: Parameters<typeof opinionSettings>[0] = {}) {
  const clock = new ManualClock(T0 + 6 * 3_600_000);
  const cache = new MemoryCache();
  const ledger = new MemoryLedger();
  const opinions = new LlmOpinions(
    opinionSettings(overrides),
    model,
    { cache, costs: ledger },
    clock,
    silentLog,
  );
  return { opinions, clock, cache, ledger };
}

describe('LlmOpinions', () => {
  const up = resultOf(rising());

  it('gives the validated answer with provenance, charges the ledger at the configured price, and caches it', async () => {
    const model = new ScriptedModel(
      answered(validAnswer('SHORT', 0.55), { promptTokens: 1_200, completionTokens: 150 }),
    );
    const { opinions, ledger, cache, clock } = service(model);

    const opinion = await opinions.opinionOf(up);

    expect(opinion).toEqual({
      status: 'ok',
      signal: 'SHORT',
      confidence: 0.55,
      reasoning: 'Order flow leads; the book is thin.',
      risks: ['a reversal'],
      agrees: up.label === Signal.Short,
      model: 'gpt-4o-mini',
      promptVersion: 'opinion-v1',
      promptHash: 'c'.repeat(64),
      inputHash: up.inputHash,
      createdAt: clock.now(),
      cached: false,
    });
    // 1,200 × 0.15 + 150 × 0.6 per million tokens.
    expect(ledger.charges).toEqual([
      expect.objectContaining({
        day: '2026-12-07',
        model: 'gpt-4o-mini',
        promptTokens: 1_200,
        completionTokens: 150,
        costUsd: 0.00027,
      }),
    ]);
    expect([...cache.entries.values()].map((e) => e.expiresAt - e.createdAt)).toEqual([900_000]);
    expect(opinions.status().counters).toMatchObject({
      promptTokens: 1_200,
      completionTokens: 150,
      opinions: { ok: 1 },
    });
  });

  it('sends the breakdown, not candles, with the limits filled in and the strict schema', async () => {
    const model = new ScriptedModel(answered(validAnswer()));
    await service(model).opinions.opinionOf(up);

    const [request] = model.requests;
    expect(request?.user).toContain('"market":"binance BTC/USDT"');
    expect(request?.user).toContain('reasoning ≤ 600, risks ≤ 5');
    expect(request?.user).not.toMatch(/"open"|"high"|"volume":\d/);
    expect(request?.schema).toMatchObject({
      additionalProperties: false,
      required: ['signal', 'confidence', 'reasoning', 'risks'],
    });
  });

  it('serves a fresh cache hit without asking, says it was cached, and asks again once it expired', async () => {
    const model = new ScriptedModel(answered(validAnswer()), answered(validAnswer('NEUTRAL', 0.4)));
    const { opinions, clock } = service(model);
    const first = await opinions.opinionOf(up);

    clock.advance(899_000);
    const hit = await opinions.opinionOf(up);
    clock.advance(2_000);
    const after = await opinions.opinionOf(up);

    expect(hit).toEqual({ ...first, cached: true });
    expect(model.requests).toHaveLength(2);
    expect(after).toMatchObject({ signal: 'NEUTRAL', cached: false });
    expect(opinions.status().counters.opinions).toEqual({ ok: 2, cached: 1 });
  });

  it('asks once for concurrent requests of the same result', async () => {
    const model = new ScriptedModel(answered(validAnswer()));
    const { opinions } = service(model);

    const both = await Promise.all([opinions.opinionOf(up), opinions.opinionOf(up)]);

    expect(model.requests).toHaveLength(1);
    expect(both[1]).toEqual(both[0]);
  });

  it.each([
    ['not JSON', 'Sure! Looks bullish to me.', 'answer is not JSON'],
    [
      'a signal outside the three',
      JSON.stringify({ signal: 'BUY', confidence: 0.5, reasoning: 'x', risks: [] }),
      'signal must be LONG, NEUTRAL or SHORT',
    ],
    [
      'confidence above 1',
      JSON.stringify({ signal: 'LONG', confidence: 1.7, reasoning: 'x', risks: [] }),
      'confidence must be a number from 0 to 1',
    ],
    [
      'an extra field',
      JSON.stringify({ signal: 'LONG', confidence: 0.5, reasoning: 'x', risks: [], size: 3 }),
      'unexpected field size',
    ],
    [
      'risks as text',
      JSON.stringify({ signal: 'LONG', confidence: 0.5, reasoning: 'x', risks: 'none' }),
      'risks must be a list of strings',
    ],
    [
      'reasoning past its bound',
      JSON.stringify({ signal: 'LONG', confidence: 0.5, reasoning: 'x'.repeat(601), risks: [] }),
      'reasoning is longer than 600 characters',
    ],
  ])(
    'discards an answer with %s, counts it, caches nothing, and still charges the tokens',
    async (_, content, problem) => {
      const { opinions, cache, ledger } = service(new ScriptedModel(answered(content)));

      const opinion = await opinions.opinionOf(up);

      expect(opinion).toEqual({
        status: 'unavailable',
        reason: 'invalid-answer',
        detail: `the answer was discarded: ${problem}`,
      });
      expect(opinions.status().counters.invalidAnswers).toBe(1);
      expect(cache.entries.size).toBe(0);
      expect(ledger.charges).toHaveLength(1);
    },
  );

  it('discards a refusal and an answer cut off at the token limit', async () => {
    const refused = { ...answered(''), content: null, refusal: 'I cannot help with that.' };
    const cut = { ...answered('{"signal":"LONG","confid'), finishReason: 'length' };
    const { opinions } = service(new ScriptedModel(refused, cut));

    expect(await opinions.opinionOf(up)).toMatchObject({
      reason: 'invalid-answer',
      detail: 'the answer was discarded: the model refused to answer',
    });
    expect(await opinions.opinionOf(resultOf(falling()))).toMatchObject({
      reason: 'invalid-answer',
      detail: 'the answer was discarded: the answer was cut off at the output token limit',
    });
  });

  it('stops asking once the day’s spend reaches the budget, and asks again the next UTC day', async () => {
    const costly = { promptTokens: 1_000_000, completionTokens: 0 }; // 0.15 USD
    const model = new ScriptedModel(answered(validAnswer(), costly), answered(validAnswer(), costly));
    const { opinions, clock } = service(model, { dailyBudgetUsd: 0.15 });
    await opinions.opinionOf(up);

    const refused = await opinions.opinionOf(resultOf(falling()));
    expect(refused).toMatchObject({ status: 'unavailable', reason: 'budget-exhausted' });
    expect(model.requests).toHaveLength(1);
    expect(opinions.status().budget).toMatchObject({ day: '2026-12-07', exhausted: true, capUsd: 0.15 });

    clock.set(Date.UTC(2026, 11, 8, 0, 0, 1));
    expect(await opinions.opinionOf(resultOf(falling()))).toMatchObject({ status: 'ok' });
    expect(opinions.status().budget).toMatchObject({ day: '2026-12-08', exhausted: true });
  });

  it('maps a model failure to its reason and never invents a direction', async () => {
    const failure = (reason: 'keys-failing' | 'timeout' | 'upstream-error' | 'busy') =>
      ({ ok: false, reason, detail: `failed: ${reason}`, attempts: 2 }) as const;
    const model = new ScriptedModel(
      failure('keys-failing'),
      failure('timeout'),
      failure('upstream-error'),
      failure('busy'),
    );
    const { opinions } = service(model);
    const results = [up, resultOf(falling()), resultOf(flat()), resultOf(rising(), 'ETH/USDT')];

    const given = [];
    for (const result of results) given.push(await opinions.opinionOf(result));

    expect(given).toEqual([
      { status: 'unavailable', reason: 'keys-failing', detail: 'failed: keys-failing' },
      { status: 'unavailable', reason: 'timeout', detail: 'failed: timeout' },
      { status: 'unavailable', reason: 'upstream-error', detail: 'failed: upstream-error' },
      { status: 'unavailable', reason: 'busy', detail: 'failed: busy' },
    ]);
  });

  it('says no-key without a model, and asks nothing', async () => {
    const { opinions, ledger } = service(null, { off: 'no OPENAI_API_KEYS configured' });

    expect(await opinions.opinionOf(up)).toEqual({
      status: 'unavailable',
      reason: 'no-key',
      detail: 'no OPENAI_API_KEYS configured',
    });
    expect(opinions.enabled).toBe(false);
    expect(ledger.charges).toHaveLength(0);
  });
});
