import type { ConfluenceResult } from '@app/confluence';
import type { AnswerLimits } from '../answer/opinion-answer.js';

/** The prompt template in use (config/prompts), with the hash that keys the cache. */
export interface PromptTemplate {
  readonly version: string;
  readonly system: string;
  readonly user: string;
  readonly hash: string;
}

export interface PromptMessages {
  readonly system: string;
  readonly user: string;
}

const r2 = (value: number): number => Math.round(value * 100) / 100;
const r2OrNull = (value: number | null): number | null => (value === null ? null : r2(value));

/**
 * The compact facts the model sees: the breakdown (scores, sub-scores, weights, coverage, what is
 * missing and why) and the own timeframe's indicator values — never raw candles, which would cost
 * a hundred times the tokens and invite the model to redo the engine's arithmetic badly.
 * Deterministic: the same result gives the same text, so the same prompt hash and input hash
 * always mean the same request.
 */
export function opinionFacts(result: ConfluenceResult): Record<string, unknown> {
  const own = result.indicators[result.timeframe] ?? {};
  return {
    market: `${result.exchange} ${result.symbol}`,
    timeframe: result.timeframe,
    candleOpen: new Date(result.candleTime).toISOString(),
    engine: {
      score: r2(result.score),
      label: result.label,
      confidencePercent: r2(result.confidence),
      coverage: r2(result.coverage),
      thresholds: result.thresholds,
      stalenessSeconds: Math.round(result.staleness / 1000),
    },
    timeframes: result.timeframes.map((t) => ({
      timeframe: t.timeframe,
      weight: r2(result.timeframeWeights[t.timeframe] ?? 0),
      score: r2(t.score),
      label: t.label,
      coverage: r2(t.coverage),
      components: t.components.map((c) => ({
        component: c.component,
        score: r2OrNull(c.score),
        weight: r2(c.effectiveWeight),
        coverage: r2(c.coverage),
        subScores: Object.fromEntries(c.subScores.map((s) => [s.name, r2(s.score)])),
        ...(Object.keys(c.missing).length > 0 ? { missing: c.missing } : {}),
      })),
    })),
    indicators: Object.fromEntries(
      Object.entries(own)
        .filter((entry): entry is [string, number] => entry[1] !== null)
        .map(([name, value]) => [name, Number(value.toPrecision(6))]),
    ),
  };
}

/** Fills the template's placeholders. */
export function renderPrompt(
  template: PromptTemplate,
  result: ConfluenceResult,
  limits: AnswerLimits,
): PromptMessages {
  const values: Readonly<Record<string, string>> = {
    facts: JSON.stringify(opinionFacts(result)),
    reasoningMaxChars: String(limits.reasoningMaxChars),
    maxRisks: String(limits.maxRisks),
  };
  const fill = (text: string): string =>
    text.replace(/\{\{\s*([A-Za-z]+)\s*\}\}/g, (whole, name: string) => values[name] ?? whole);
  return { system: fill(template.system), user: fill(template.user) };
}
