import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  Matches,
  Max,
  Min,
  ValidateNested,
  registerDecorator,
  type ValidationArguments,
} from 'class-validator';
import type { ConfigShape } from '../config.types.js';
import { HasUniqueItems, IsLessThanProperty } from '../rules.js';
import { RecordOf, type ValueCheck } from '../validate.js';

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;
const modelName: ValueCheck = (key) =>
  typeof key === 'string' && MODEL_NAME.test(key) ? null : 'must be a model name such as gpt-4o-mini';

const finite = { allowNaN: false, allowInfinity: false } as const;
const TIMEFRAME_NAMES = ['1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '12h', '1d', '1w'] as const;

/** Spacing and concurrency of model requests: one budget for every process (Redis) or this one. */
export class LlmLimitsConfig {
  /** Least time between the starts of two requests. */
  @IsInt() @Min(0) @Max(600_000) readonly minSpacingMs!: number;
  @IsInt() @Min(1) @Max(64) readonly maxConcurrent!: number;
  /** An opinion that would wait longer than this for its turn is not asked (`busy`). */
  @IsInt() @Min(100) @Max(600_000) readonly maxWaitMs!: number;
}

/** USD per million tokens, as the provider's price list states them. */
export class ModelPrice {
  @IsNumber(finite) @Min(0) @Max(10_000) readonly inputPerMillion!: number;
  @IsNumber(finite) @Min(0) @Max(10_000) readonly outputPerMillion!: number;
}

/** Which label changes ask the model on their own (on-demand requests are always allowed). */
export class SignalChangeTriggers {
  @IsBoolean() readonly enabled!: boolean;
  /** `exchange:BASE/QUOTE` entries; empty: every tracked market. */
  @IsArray()
  @Matches(/^[a-z0-9]+:[A-Z0-9]{1,20}\/[A-Z0-9]{1,20}(:[A-Z0-9]{1,20})?$/, {
    each: true,
    message: 'each entry must be exchange:BASE/QUOTE, such as binance:BTC/USDT',
  })
  @HasUniqueItems()
  readonly markets!: readonly string[];
  /** Timeframes whose label changes ask; empty: every collected timeframe. */
  @IsArray() @IsIn(TIMEFRAME_NAMES, { each: true }) @HasUniqueItems() readonly timeframes!: readonly string[];
}

/** The shape the model must answer in (the JSON schema sent with each request says the same). */
export class AnswerLimits {
  @IsInt() @Min(50) @Max(4_000) readonly reasoningMaxChars!: number;
  @IsInt() @Min(0) @Max(20) readonly maxRisks!: number;
  @IsInt() @Min(20) @Max(1_000) readonly riskMaxChars!: number;
}

/** The configured model must have a price, or its spend could not be counted against the budget. */
function HasPriceForModel(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'hasPriceForModel',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate(value: unknown, args: ValidationArguments): boolean {
          const model = (args.object as { model?: unknown }).model;
          if (typeof model !== 'string' || value === null || typeof value !== 'object') return true;
          return Object.hasOwn(value, model);
        },
        defaultMessage(args: ValidationArguments): string {
          const model = String((args.object as { model?: unknown }).model);
          return `has no entry for the model "${model}" (its cost could not be counted against dailyBudgetUsd)`;
        },
      },
    });
  };
}

/**
 * llm.yaml: the optional model opinion beside the engine's score. Keys come from the environment
 * (`OPENAI_API_KEYS`); without one, or with `enabled: false`, the product runs on the engine alone.
 */
export class LlmConfig {
  @IsBoolean() readonly enabled!: boolean;
  /** Any OpenAI-compatible endpoint (OpenAI, Azure's compatible route, vLLM, llama.cpp, Ollama). */
  @Matches(/^https?:\/\/[^\s/@]+(\/[^\s@]*)?$/, { message: 'must be an http(s) URL without credentials' })
  readonly baseUrl!: string;
  @Matches(MODEL_NAME, { message: 'must be a model name such as gpt-4o-mini' })
  readonly model!: string;
  /** One attempt's time limit; the whole opinion is bounded by attempts × this plus backoff. */
  @IsInt() @Min(500) @Max(300_000) readonly timeoutMs!: number;
  /** Attempts per opinion, over every key and retry together. */
  @IsInt() @Min(1) @Max(10) readonly maxAttempts!: number;
  /** Backoff of a retried 5xx or timeout: exponential from base to cap, full jitter. */
  @IsInt() @Min(10) @Max(60_000) @IsLessThanProperty('retryMaxMs') readonly retryBaseMs!: number;
  @IsInt() @Min(20) @Max(600_000) readonly retryMaxMs!: number;
  /** A 429 without `Retry-After` rests its key this long. */
  @IsInt() @Min(100) @Max(3_600_000) readonly rateLimitCooldownMs!: number;
  @IsInt() @Min(50) @Max(16_000) readonly maxOutputTokens!: number;
  @IsNumber(finite) @Min(0) @Max(2) readonly temperature!: number;
  /** Name of the prompt template: `config/prompts/<prompt>.yaml`. */
  @Matches(/^[a-z0-9][a-z0-9.-]{0,62}$/, {
    message: 'must name a file in config/prompts (lowercase, no extension)',
  })
  readonly prompt!: string;
  /** How long an answer is reused for the same market, timeframe, inputs and prompt. */
  @IsInt() @Min(60) @Max(30 * 86_400) readonly cacheTtlSeconds!: number;
  /** Spend per UTC day, all models together; reaching it stops calls until the next day. */
  @IsNumber(finite) @Min(0) @Max(100_000) readonly dailyBudgetUsd!: number;
  /** Opinions waiting for their turn, per process; beyond it they are refused (`busy`). */
  @IsInt() @Min(1) @Max(10_000) readonly maxQueued!: number;
  @ValidateNested() @Type(() => LlmLimitsConfig) readonly limits!: LlmLimitsConfig;
  @ValidateNested() @Type(() => AnswerLimits) readonly answer!: AnswerLimits;
  @ValidateNested() @Type(() => SignalChangeTriggers) readonly onSignalChange!: SignalChangeTriggers;
  /** Share of the model in the blended label, 0–1; 0 keeps the opinion advisory (no blended label). */
  @IsNumber(finite) @Min(0) @Max(1) readonly blendWeight!: number;
  @RecordOf({ value: ModelPrice, key: modelName }) @HasPriceForModel() readonly prices!: Readonly<
    Record<string, ModelPrice>
  >;
}

export const LLM_DEFAULTS: ConfigShape<LlmConfig> = {
  enabled: true,
  baseUrl: 'https://api.openai.com/v1',
  model: 'gpt-4o-mini',
  timeoutMs: 20_000,
  maxAttempts: 4,
  retryBaseMs: 500,
  retryMaxMs: 8_000,
  rateLimitCooldownMs: 20_000,
  maxOutputTokens: 500,
  temperature: 0.2,
  prompt: 'opinion-v1',
  cacheTtlSeconds: 900,
  dailyBudgetUsd: 2,
  maxQueued: 100,
  limits: { minSpacingMs: 500, maxConcurrent: 2, maxWaitMs: 60_000 },
  answer: { reasoningMaxChars: 600, maxRisks: 5, riskMaxChars: 200 },
  onSignalChange: { enabled: true, markets: [], timeframes: [] },
  blendWeight: 0,
  prices: { 'gpt-4o-mini': { inputPerMillion: 0.15, outputPerMillion: 0.6 } },
};

/** Prices are replaced whole by the YAML (a merge would keep models the file dropped). */
export const LLM_REPLACE_PATHS: readonly string[] = ['prices'];

/** A prompt template (config/prompts/<name>.yaml), as loaded, with the hash of its text. */
export class LlmPromptTemplate {
  @Matches(/^[a-z0-9][a-z0-9.-]{0,62}$/) readonly version!: string;
  /** The system message. */
  @Matches(/\S/, { message: 'must not be empty' }) readonly system!: string;
  /** The user message; `{{facts}}` is replaced by the result's compact breakdown (JSON). */
  @Matches(/\{\{facts\}\}/, { message: 'must contain {{facts}}, where the result breakdown goes' })
  readonly user!: string;
}

/** The template in use and its SHA-256 (part of every cache key and of each opinion). */
export class LlmPrompt {
  readonly name!: string;
  readonly version!: string;
  readonly system!: string;
  readonly user!: string;
  readonly hash!: string;
}
