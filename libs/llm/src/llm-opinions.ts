import { createHash, randomUUID } from 'node:crypto';
import type { ConfluenceResult } from '@app/confluence';
import {
  type AvailableOpinion,
  type Clock,
  errorMessage,
  type LlmOpinion,
  type LogSink,
  OpinionUnavailableReason,
  type Signal,
} from '@app/contracts';
import { type AnswerLimits, opinionJsonSchema, parseOpinionAnswer } from './answer/opinion-answer.js';
import { blendLabel } from './blend.js';
import type { KeyHealth } from './client/key-pool.js';
import type { AttemptOutcome, ModelFailure, OpinionModel } from './client/opinion-model.js';
import { type CostLedger, costOf, type ModelPrice, type OpinionCache, utcDay } from './costs/costs.js';
import { type PromptTemplate, renderPrompt } from './prompt/opinion-prompt.js';

export interface LlmOpinionSettings {
  /** Why opinions are off (no key, disabled in llm.yaml), or null when they are on. */
  readonly off: string | null;
  readonly model: string;
  readonly price: ModelPrice;
  readonly prompt: PromptTemplate;
  readonly answer: AnswerLimits;
  readonly cacheTtlMs: number;
  readonly dailyBudgetUsd: number;
  readonly blendWeight: number;
  readonly maxQueued: number;
}

/** Counters since the process started; metrics read them at scrape time. */
export interface LlmCounters {
  /** Opinions given, by outcome: `ok`, `cached`, or the unavailable reason. */
  readonly opinions: Record<string, number>;
  /** Requests sent to the endpoint, by what came back. */
  readonly attempts: Record<string, number>;
  invalidAnswers: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  ledgerErrors: number;
}

export interface LlmStatus {
  readonly enabled: boolean;
  readonly off: string | null;
  readonly model: string;
  readonly keys: readonly KeyHealth[];
  readonly budget: {
    readonly day: string;
    readonly spentUsd: number;
    readonly capUsd: number;
    readonly exhausted: boolean;
  };
  readonly counters: LlmCounters;
}

const FAILURE_REASON: Readonly<Record<ModelFailure, OpinionUnavailableReason>> = {
  'keys-failing': OpinionUnavailableReason.KeysFailing,
  timeout: OpinionUnavailableReason.Timeout,
  'upstream-error': OpinionUnavailableReason.UpstreamError,
  busy: OpinionUnavailableReason.Busy,
};

/**
 * The model's opinion of a confluence result: cached by market, timeframe, inputs, prompt and
 * model; held to the daily budget; validated; and, whatever fails, an `unavailable` opinion with
 * its reason — the engine's label then stands alone. Concurrent requests for the same key share
 * one call (in this process; the cache serves other processes once it is written).
 */
export class LlmOpinions {
  readonly #inflight = new Map<string, Promise<LlmOpinion>>();
  #spent = { day: '', usd: 0 };
  #waiting = 0;

  constructor(
    private readonly settings: LlmOpinionSettings,
    private readonly model: OpinionModel | null,
    private readonly stores: { readonly cache: OpinionCache; readonly costs: CostLedger },
    private readonly clock: Clock,
    private readonly logger: LogSink,
    /** Shared with the model, which counts its attempts in it (`countAttempt`). */
    private readonly counters: LlmCounters = newLlmCounters(),
  ) {}

  get enabled(): boolean {
    return this.settings.off === null && this.model !== null;
  }

  /** The cache key: the same result inputs, prompt and model are the same question. */
  cacheKey(result: Pick<ConfluenceResult, 'exchange' | 'symbol' | 'timeframe' | 'inputHash'>): string {
    const { exchange, symbol, timeframe, inputHash } = result;
    const parts = [exchange, symbol, timeframe, inputHash, this.settings.prompt.hash, this.settings.model];
    return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
  }

  async opinionOf(result: ConfluenceResult): Promise<LlmOpinion> {
    const opinion = await this.#opinionOf(result);
    bump(
      this.counters.opinions,
      opinion.status === 'ok' ? (opinion.cached ? 'cached' : 'ok') : opinion.reason,
    );
    return opinion;
  }

  status(): LlmStatus {
    const day = utcDay(this.clock.now());
    const spentUsd = this.#spent.day === day ? this.#spent.usd : 0;
    return {
      enabled: this.enabled,
      off: this.settings.off,
      model: this.settings.model,
      keys: this.model?.keys(this.clock.now()) ?? [],
      budget: {
        day,
        spentUsd,
        capUsd: this.settings.dailyBudgetUsd,
        exhausted: spentUsd >= this.settings.dailyBudgetUsd,
      },
      counters: this.counters,
    };
  }

  /** Today's spend as the shared ledger says now (readiness), or the last known when it is unreadable. */
  async refreshBudget(): Promise<LlmStatus['budget']> {
    await this.#budgetSpent();
    return this.status().budget;
  }

  async #opinionOf(result: ConfluenceResult): Promise<LlmOpinion> {
    if (this.settings.off !== null || this.model === null)
      return unavailable(OpinionUnavailableReason.NoKey, this.settings.off ?? 'no model is configured');
    const key = this.cacheKey(result);
    const running = this.#inflight.get(key);
    if (running !== undefined) return running;
    const asked = this.#ask(result, key, this.model).finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, asked);
    return asked;
  }

  async #ask(result: ConfluenceResult, key: string, model: OpinionModel): Promise<LlmOpinion> {
    const cached = await this.#cached(result, key);
    if (cached !== null) return cached;
    if (this.#waiting >= this.settings.maxQueued)
      return unavailable(
        OpinionUnavailableReason.Busy,
        `more than ${this.settings.maxQueued} opinions are waiting`,
      );
    this.#waiting += 1;
    try {
      if (await this.#budgetSpent())
        return unavailable(
          OpinionUnavailableReason.BudgetExhausted,
          `the daily budget of ${this.settings.dailyBudgetUsd} USD is spent; calls resume at 00:00 UTC`,
        );
      const messages = renderPrompt(this.settings.prompt, result, this.settings.answer);
      const outcome = await model.ask({ ...messages, schema: opinionJsonSchema(this.settings.answer) });
      if (!outcome.ok) return unavailable(FAILURE_REASON[outcome.reason], outcome.detail);
      await this.#charge(this.settings.model, outcome.usage);
      const problem =
        outcome.refusal !== null
          ? 'the model refused to answer'
          : outcome.finishReason === 'length'
            ? 'the answer was cut off at the output token limit'
            : null;
      const check =
        problem === null
          ? parseOpinionAnswer(outcome.content, this.settings.answer)
          : { ok: false as const, problem };
      if (!check.ok) {
        this.counters.invalidAnswers += 1;
        this.logger.warn(`LLM answer for ${describe(result)} discarded: ${check.problem}`);
        return unavailable(
          OpinionUnavailableReason.InvalidAnswer,
          `the answer was discarded: ${check.problem}`,
        );
      }
      const now = this.clock.now();
      const opinion = this.#available(result, { ...check.answer, createdAt: now }, false);
      await this.#store(key, opinion, now);
      return opinion;
    } finally {
      this.#waiting -= 1;
    }
  }

  #available(
    result: ConfluenceResult,
    answer: {
      signal: Signal;
      confidence: number;
      reasoning: string;
      risks: readonly string[];
      createdAt: number;
    },
    cached: boolean,
  ): AvailableOpinion {
    const blended = blendLabel(result.score, result.thresholds, answer, this.settings.blendWeight);
    return {
      status: 'ok',
      signal: answer.signal,
      confidence: answer.confidence,
      reasoning: answer.reasoning,
      risks: [...answer.risks],
      agrees: answer.signal === result.label,
      ...(blended === undefined ? {} : { blended }),
      model: this.settings.model,
      promptVersion: this.settings.prompt.version,
      promptHash: this.settings.prompt.hash,
      inputHash: result.inputHash,
      createdAt: answer.createdAt,
      cached,
    };
  }

  async #cached(result: ConfluenceResult, key: string): Promise<AvailableOpinion | null> {
    let entry;
    try {
      entry = await this.stores.cache.get(key, this.clock.now());
    } catch (error) {
      this.logger.warn(`LLM cache unreadable, asking the model: ${errorMessage(error)}`);
      return null;
    }
    if (entry === null) return null;
    const value = entry.value as unknown as AvailableOpinion;
    // Agreement and blend are recomputed: the blend weight may have changed since it was stored.
    return this.#available(result, { ...value, createdAt: entry.createdAt }, true);
  }

  async #store(key: string, opinion: AvailableOpinion, now: number): Promise<void> {
    const { signal, confidence, reasoning, risks } = opinion;
    try {
      await this.stores.cache.put({
        key,
        model: this.settings.model,
        value: { signal, confidence, reasoning, risks },
        createdAt: now,
        expiresAt: now + this.settings.cacheTtlMs,
      });
    } catch (error) {
      this.logger.warn(`LLM cache not written (the next ask repeats the request): ${errorMessage(error)}`);
    }
  }

  /** Reads the shared ledger, so every process stops at the cap; unreadable: the last known spend. */
  async #budgetSpent(): Promise<boolean> {
    const day = utcDay(this.clock.now());
    try {
      this.#spent = { day, usd: await this.stores.costs.spent(day) };
    } catch (error) {
      this.logger.warn(`LLM cost ledger unreadable, using the last known spend: ${errorMessage(error)}`);
      if (this.#spent.day !== day) this.#spent = { day, usd: 0 };
    }
    return this.#spent.usd >= this.settings.dailyBudgetUsd;
  }

  async #charge(model: string, usage: { promptTokens: number; completionTokens: number }): Promise<void> {
    const costUsd = costOf(usage, this.settings.price);
    const day = utcDay(this.clock.now());
    this.counters.promptTokens += usage.promptTokens;
    this.counters.completionTokens += usage.completionTokens;
    this.counters.costUsd += costUsd;
    this.#spent = { day, usd: (this.#spent.day === day ? this.#spent.usd : 0) + costUsd };
    try {
      await this.stores.costs.charge({ opId: randomUUID(), day, model, ...usage, costUsd });
    } catch (error) {
      this.counters.ledgerErrors += 1;
      this.logger.error(
        `LLM cost not recorded in the ledger (${costUsd.toFixed(6)} USD): ${errorMessage(error)}`,
      );
    }
  }
}

export function newLlmCounters(): LlmCounters {
  return {
    opinions: {},
    attempts: {},
    invalidAnswers: 0,
    promptTokens: 0,
    completionTokens: 0,
    costUsd: 0,
    ledgerErrors: 0,
  };
}

/** The model's `onAttempt`: each request counted by what came back. */
export function countAttempt(counters: LlmCounters, outcome: AttemptOutcome): void {
  bump(counters.attempts, outcome);
}

function unavailable(reason: OpinionUnavailableReason, detail: string): LlmOpinion {
  return { status: 'unavailable', reason, detail };
}

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

function describe(
  result: Pick<ConfluenceResult, 'exchange' | 'symbol' | 'timeframe' | 'candleTime'>,
): string {
  return `${result.exchange} ${result.symbol} ${result.timeframe} ${new Date(result.candleTime).toISOString()}`;
}
