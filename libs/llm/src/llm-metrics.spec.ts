import { describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { registerLlmMetrics } from './llm-metrics.js';
import type { LlmStatus } from './llm-opinions.js';

const STATUS: LlmStatus = {
  enabled: true,
  off: null,
  model: 'gpt-4o-mini',
  keys: [
    { key: '…0001', state: 'ready' },
    { key: '…0002', state: 'cooling', until: 1 },
    { key: '…0003', state: 'invalid' },
    { key: '…0004', state: 'invalid' },
  ],
  budget: { day: '2026-12-07', spentUsd: 0.0125, capUsd: 2, exhausted: false },
  counters: {
    opinions: { ok: 4, cached: 3, 'budget-exhausted': 2 },
    attempts: { ok: 5, 'rate-limited': 1 },
    invalidAnswers: 1,
    promptTokens: 6_100,
    completionTokens: 740,
    costUsd: 0.001359,
    ledgerErrors: 0,
  },
};

describe('registerLlmMetrics', () => {
  it('exports each counter of the status under its own name and labels', async () => {
    const registry = new Registry();
    registerLlmMetrics(registry, () => STATUS);

    const lines = (await registry.metrics()).split('\n').filter((line) => !line.startsWith('#'));

    expect(lines.filter((line) => line !== '')).toEqual([
      'confluence_llm_opinions_total{outcome="ok"} 4',
      'confluence_llm_opinions_total{outcome="cached"} 3',
      'confluence_llm_opinions_total{outcome="budget-exhausted"} 2',
      'confluence_llm_requests_total{result="ok"} 5',
      'confluence_llm_requests_total{result="rate-limited"} 1',
      'confluence_llm_invalid_answers_total 1',
      'confluence_llm_prompt_tokens_total 6100',
      'confluence_llm_completion_tokens_total 740',
      'confluence_llm_cost_usd_total 0.001359',
      'confluence_llm_ledger_errors_total 0',
      'confluence_llm_budget_spent_usd 0.0125',
      'confluence_llm_keys{state="ready"} 1',
      'confluence_llm_keys{state="cooling"} 1',
      'confluence_llm_keys{state="invalid"} 2',
    ]);
  });
});
