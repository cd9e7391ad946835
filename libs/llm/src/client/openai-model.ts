import { backoffDelay, type BackoffPolicy, type Clock, type LogSink } from '@app/contracts';
import OpenAI from 'openai';
import { LlmLimiterBusyError, type LlmRateLimiter } from '../limits/llm-rate-limiter.js';
import { KeyPool, type KeyHealth } from './key-pool.js';
import {
  type AttemptOutcome,
  type ModelFailure,
  type ModelOutcome,
  type ModelRequest,
  OpinionModel,
} from './opinion-model.js';

export interface OpenAiModelSettings {
  readonly baseUrl: string;
  readonly model: string;
  readonly timeoutMs: number;
  readonly maxAttempts: number;
  readonly retry: BackoffPolicy;
  readonly rateLimitCooldownMs: number;
  readonly maxOutputTokens: number;
  readonly temperature: number;
  /** Longest wait for a resting key before the opinion gives up (`keys-failing`). */
  readonly maxKeyWaitMs: number;
}

export interface OpenAiModelDeps {
  readonly keys: readonly string[];
  readonly limiter: LlmRateLimiter;
  readonly clock: Clock;
  readonly logger: LogSink;
  readonly random?: () => number;
  readonly onAttempt?: (outcome: AttemptOutcome) => void;
  /** The SDK's fetch; tests pass one that keeps the timeout error recognisable under Jest. */
  readonly fetch?: typeof fetch;
}

/** The wait a 429 asked for: `retry-after-ms` (OpenAI's), else `retry-after` in seconds or as an HTTP date. */
export function retryAfterOf(headers: Headers | undefined, now: number): number | null {
  const ms = headers?.get('retry-after-ms');
  if (ms != null && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.round(Number(ms));
  const after = headers?.get('retry-after')?.trim();
  if (after == null || after === '') return null;
  if (/^\d+(\.\d+)?$/.test(after)) return Math.round(Number(after) * 1000);
  const at = Date.parse(after);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

type Attempt =
  | { readonly kind: 'answer'; readonly outcome: ModelOutcome & { ok: true } }
  | { readonly kind: 'retry'; readonly failure: ModelFailure; readonly backoff: boolean }
  | { readonly kind: 'stop'; readonly failure: ModelFailure; readonly detail: string };

/**
 * Chat completions through the official SDK, on any OpenAI-compatible endpoint. The SDK's own
 * retries are off (`maxRetries: 0`): a 429 must move to the next key at once rather than wait on
 * the one that is limited, and every attempt must pass the shared limiter.
 *
 * - 429: the key rests for `Retry-After` (or the configured cooldown); the next key goes now.
 * - 401/403: the key is retired (health names it by its last four characters); the next goes now.
 * - 5xx, connection errors, timeouts: retried with exponential backoff and full jitter.
 * - Other 4xx: the request itself is wrong; retrying cannot help.
 * Nothing here logs a key or an upstream error body (401 bodies quote part of the key).
 */
export class OpenAiModel extends OpinionModel {
  readonly #pool: KeyPool;
  readonly #clients = new Map<string, OpenAI>();

  constructor(
    private readonly settings: OpenAiModelSettings,
    private readonly deps: OpenAiModelDeps,
  ) {
    super();
    this.#pool = new KeyPool(deps.keys);
  }

  get model(): string {
    return this.settings.model;
  }

  keys(now: number): readonly KeyHealth[] {
    return this.#pool.health(now);
  }

  async ask(request: ModelRequest): Promise<ModelOutcome> {
    const { clock } = this.deps;
    let attempts = 0;
    let retries = 0;
    let last: ModelFailure = 'keys-failing';
    while (attempts < this.settings.maxAttempts) {
      const pick = this.#pool.take(clock.now());
      if (!('secret' in pick)) {
        const wait = pick.wakeAt === null ? null : pick.wakeAt - clock.now();
        if (wait === null || wait > this.settings.maxKeyWaitMs)
          return fail('keys-failing', this.#noKeyDetail(), attempts);
        await clock.sleep(wait);
        continue;
      }
      let permit;
      try {
        permit = await this.deps.limiter.acquire();
      } catch (error) {
        if (error instanceof LlmLimiterBusyError)
          return fail('busy', 'too many opinions waiting for the rate limit', attempts);
        return fail('upstream-error', 'the shared rate limiter is unreachable', attempts);
      }
      attempts += 1;
      let attempt: Attempt;
      try {
        attempt = await this.#attempt(pick.secret, pick.hint, request, attempts);
      } finally {
        permit.release();
      }
      if (attempt.kind === 'answer') return attempt.outcome;
      if (attempt.kind === 'stop') return fail(attempt.failure, attempt.detail, attempts);
      last = attempt.failure;
      if (attempt.backoff && attempts < this.settings.maxAttempts) {
        await clock.sleep(backoffDelay(retries, this.settings.retry, this.deps.random ?? Math.random));
        retries += 1;
      }
    }
    return fail(last, `no answer after ${attempts} attempt(s): ${DETAIL[last]}`, attempts);
  }

  async #attempt(secret: string, hint: string, request: ModelRequest, attempts: number): Promise<Attempt> {
    const { clock, logger } = this.deps;
    const report = (outcome: AttemptOutcome): void => this.deps.onAttempt?.(outcome);
    try {
      const completion = await this.#client(secret).chat.completions.create({
        model: this.settings.model,
        messages: [
          { role: 'system', content: request.system },
          { role: 'user', content: request.user },
        ],
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'confluence_opinion', strict: true, schema: { ...request.schema } },
        },
        // eslint-disable-next-line @typescript-eslint/no-deprecated -- local OpenAI-compatible servers (Ollama, llama.cpp) read only max_tokens
        max_tokens: this.settings.maxOutputTokens,
        temperature: this.settings.temperature,
      });
      report('ok');
      const choice = completion.choices[0];
      return {
        kind: 'answer',
        outcome: {
          ok: true,
          content: choice?.message.content ?? null,
          refusal: choice?.message.refusal ?? null,
          finishReason: choice?.finish_reason ?? 'unknown',
          usage: {
            promptTokens: completion.usage?.prompt_tokens ?? 0,
            completionTokens: completion.usage?.completion_tokens ?? 0,
          },
          model: completion.model,
          key: hint,
          attempts,
        },
      };
    } catch (error) {
      if (error instanceof OpenAI.RateLimitError) {
        report('rate-limited');
        const rest = retryAfterOf(error.headers, clock.now()) ?? this.settings.rateLimitCooldownMs;
        this.#pool.cool(secret, clock.now() + rest);
        logger.warn(`LLM key ${hint} rate limited (429): resting ${rest} ms, trying the next key`);
        return { kind: 'retry', failure: 'keys-failing', backoff: false };
      }
      if (error instanceof OpenAI.AuthenticationError || error instanceof OpenAI.PermissionDeniedError) {
        report('key-refused');
        this.#pool.invalidate(secret, error.status);
        logger.error(`LLM key ${hint} refused (${error.status}): marked invalid until restart`);
        return { kind: 'retry', failure: 'keys-failing', backoff: false };
      }
      if (error instanceof OpenAI.APIConnectionTimeoutError) {
        report('timeout');
        logger.warn(`LLM request timed out after ${this.settings.timeoutMs} ms (key ${hint})`);
        return { kind: 'retry', failure: 'timeout', backoff: true };
      }
      if (error instanceof OpenAI.APIConnectionError) {
        report('connection-error');
        logger.warn(`LLM endpoint unreachable (key ${hint})`);
        return { kind: 'retry', failure: 'upstream-error', backoff: true };
      }
      if (error instanceof OpenAI.APIError && typeof error.status === 'number' && error.status >= 500) {
        report('server-error');
        logger.warn(`LLM endpoint answered ${error.status} (key ${hint})`);
        return { kind: 'retry', failure: 'upstream-error', backoff: true };
      }
      if (error instanceof OpenAI.APIError) {
        report('bad-request');
        logger.error(`LLM endpoint refused the request (${String(error.status)}); not retried`);
        return {
          kind: 'stop',
          failure: 'upstream-error',
          detail: `the endpoint refused the request (${String(error.status)})`,
        };
      }
      // An answer that is not JSON at all, or anything else the SDK throws: not the key's fault.
      report('server-error');
      logger.warn(
        `LLM request failed: ${error instanceof Error ? error.name : 'unknown error'} (key ${hint})`,
      );
      return { kind: 'retry', failure: 'upstream-error', backoff: true };
    }
  }

  #client(secret: string): OpenAI {
    let client = this.#clients.get(secret);
    if (client === undefined) {
      client = new OpenAI({
        apiKey: secret,
        baseURL: this.settings.baseUrl,
        timeout: this.settings.timeoutMs,
        maxRetries: 0,
        // The SDK's own logging is off: ours names keys by hint only.
        logLevel: 'off',
        ...(this.deps.fetch === undefined ? {} : { fetch: this.deps.fetch }),
      });
      this.#clients.set(secret, client);
    }
    return client;
  }

  #noKeyDetail(): string {
    if (this.#pool.size === 0) return 'no API key is configured';
    return this.#pool.allInvalid
      ? 'every API key was refused by the endpoint (401/403)'
      : 'every API key is resting after a rate limit (429)';
  }
}

const DETAIL: Readonly<Record<ModelFailure, string>> = {
  'keys-failing': 'every key was rate limited or refused',
  timeout: 'the endpoint did not answer in time',
  'upstream-error': 'the endpoint kept failing',
  busy: 'too many opinions waiting',
};

function fail(reason: ModelFailure, detail: string, attempts: number): ModelOutcome {
  return { ok: false, reason, detail, attempts };
}
