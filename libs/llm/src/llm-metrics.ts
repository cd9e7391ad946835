import { Counter, Gauge, type Registry } from 'prom-client';
import type { LlmStatus } from './llm-opinions.js';

/**
 * The LLM's Prometheus metrics, read from the opinion service's counters at scrape time (the
 * service keeps plain numbers; prom-client stays at the edge). Registered on each app's registry.
 */
export function registerLlmMetrics(registry: Registry, status: () => LlmStatus): void {
  const registers = [registry];
  new Counter({
    name: 'confluence_llm_opinions_total',
    help: 'opinions given, by outcome: ok, cached (no request made), or why it was unavailable',
    labelNames: ['outcome'],
    registers,
    collect() {
      this.reset();
      for (const [outcome, count] of Object.entries(status().counters.opinions)) this.inc({ outcome }, count);
    },
  });
  new Counter({
    name: 'confluence_llm_requests_total',
    help: 'requests sent to the model endpoint, by result: ok, rate-limited, key-refused, timeout, server-error, connection-error, bad-request',
    labelNames: ['result'],
    registers,
    collect() {
      this.reset();
      for (const [result, count] of Object.entries(status().counters.attempts)) this.inc({ result }, count);
    },
  });
  const totals: [string, string, (s: LlmStatus) => number][] = [
    [
      'llm_invalid_answers_total',
      'answers discarded as invalid (not JSON, off-schema, out of range, refused, cut off)',
      (s) => s.counters.invalidAnswers,
    ],
    ['llm_prompt_tokens_total', 'prompt tokens the endpoint reported', (s) => s.counters.promptTokens],
    [
      'llm_completion_tokens_total',
      'completion tokens the endpoint reported',
      (s) => s.counters.completionTokens,
    ],
    [
      'llm_cost_usd_total',
      'USD spent by this process, from the configured price list',
      (s) => s.counters.costUsd,
    ],
    [
      'llm_ledger_errors_total',
      'charges the cost ledger did not record (each logged)',
      (s) => s.counters.ledgerErrors,
    ],
  ];
  for (const [name, help, read] of totals)
    new Counter({
      name: `confluence_${name}`,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(read(status()));
      },
    });
  new Gauge({
    name: 'confluence_llm_budget_spent_usd',
    help: "today's (UTC) spend of every process, as the shared ledger last said",
    registers,
    collect() {
      this.set(status().budget.spentUsd);
    },
  });
  new Gauge({
    name: 'confluence_llm_keys',
    help: 'API keys by state: ready, cooling (after a 429), invalid (refused with 401/403)',
    labelNames: ['state'],
    registers,
    collect() {
      this.reset();
      const keys = status().keys;
      for (const state of ['ready', 'cooling', 'invalid'] as const)
        this.set({ state }, keys.filter((key) => key.state === state).length);
    },
  });
}
