import { type Candle, type ConfluenceResult, createConfluenceEngine } from '@app/confluence';
import { loadConfig } from '@app/config';
import { PROJECT_CONFIG_DIR, seriesFactory } from '@app/testing';
import type { KeyHealth } from '../client/key-pool.js';
import { type ModelOutcome, type ModelRequest, OpinionModel } from '../client/opinion-model.js';
import type { CostLedger, LedgerCharge, OpinionCache, OpinionCacheEntry } from '../costs/costs.js';
import type { LlmOpinionSettings } from '../llm-opinions.js';

/** Test kit of the opinion specs: real engine results, a scripted model, in-memory stores. */

const MINUTE = 60_000;
export const T0 = Date.UTC(2026, 11, 7, 12, 0, 0);

/** A real engine result of `candles` (1m, the engine's shipped config). */
export function resultOf(candles: readonly Candle[], symbol = 'BTC/USDT'): ConfluenceResult {
  const config = loadConfig({ env: { NODE_ENV: 'test', CONFIG_DIR: PROJECT_CONFIG_DIR } });
  const last = candles.at(-1);
  if (last === undefined) throw new Error('no candles');
  const outcome = createConfluenceEngine(config).analyzeCandles(
    { exchange: 'binance', symbol, candles: { '1m': candles } },
    last.timestamp + MINUTE,
  );
  if (outcome.status !== 'ready') throw new Error(`engine not ready: ${outcome.status}`);
  return outcome.result;
}

export const flat = (): Candle[] =>
  seriesFactory.flat({ count: 300, price: 100, startTime: T0, intervalMs: MINUTE });
export const rising = (): Candle[] =>
  seriesFactory.trending({ count: 300, start: 100, step: 0.2, startTime: T0, intervalMs: MINUTE });
export const falling = (): Candle[] =>
  seriesFactory.trending({ count: 300, start: 159.8, step: -0.2, startTime: T0, intervalMs: MINUTE });

/** Answers from a script, one per `ask`, recording each request. */
export class ScriptedModel extends OpinionModel {
  readonly model = 'gpt-4o-mini';
  readonly requests: ModelRequest[] = [];
  readonly #script: ModelOutcome[];

  constructor(...script: ModelOutcome[]) {
    super();
    this.#script = script;
  }

  ask(request: ModelRequest): Promise<ModelOutcome> {
    this.requests.push(request);
    const next = this.#script.shift();
    if (next === undefined) throw new Error('the script has no more answers');
    return Promise.resolve(next);
  }

  keys(): readonly KeyHealth[] {
    return [{ key: '…0001', state: 'ready' }];
  }
}

export function answered(
  content: string,
  usage = { promptTokens: 1_000, completionTokens: 200 },
): ModelOutcome {
  return {
    ok: true,
    content,
    refusal: null,
    finishReason: 'stop',
    usage,
    model: 'gpt-4o-mini',
    key: '…0001',
    attempts: 1,
  };
}

export const validAnswer = (signal = 'LONG', confidence = 0.7): string =>
  JSON.stringify({
    signal,
    confidence,
    reasoning: 'Order flow leads; the book is thin.',
    risks: ['a reversal'],
  });

export class MemoryCache implements OpinionCache {
  readonly entries = new Map<string, OpinionCacheEntry>();
  get(key: string, now: number): Promise<OpinionCacheEntry | null> {
    const entry = this.entries.get(key);
    return Promise.resolve(entry !== undefined && entry.expiresAt > now ? entry : null);
  }
  put(entry: OpinionCacheEntry): Promise<void> {
    this.entries.set(entry.key, entry);
    return Promise.resolve();
  }
}

export class MemoryLedger implements CostLedger {
  readonly charges: LedgerCharge[] = [];
  charge(charge: LedgerCharge): Promise<void> {
    this.charges.push(charge);
    return Promise.resolve();
  }
  spent(day: string): Promise<number> {
    return Promise.resolve(this.charges.filter((c) => c.day === day).reduce((sum, c) => sum + c.costUsd, 0));
  }
}

export function opinionSettings(overrides: Partial<LlmOpinionSettings> = {}): LlmOpinionSettings {
  return {
    off: null,
    model: 'gpt-4o-mini',
    price: { inputPerMillion: 0.15, outputPerMillion: 0.6 },
    prompt: {
      version: 'opinion-v1',
      system: 'You are careful.',
      user: 'Facts: {{facts}} (reasoning ≤ {{reasoningMaxChars}}, risks ≤ {{maxRisks}})',
      hash: 'c'.repeat(64),
    },
    answer: { reasoningMaxChars: 600, maxRisks: 5, riskMaxChars: 200 },
    cacheTtlMs: 900_000,
    dailyBudgetUsd: 2,
    blendWeight: 0,
    maxQueued: 100,
    ...overrides,
  };
}

export const silentLog = {
  log: (): void => undefined,
  warn: (): void => undefined,
  error: (): void => undefined,
};
