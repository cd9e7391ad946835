import { Logger, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { BusConnections, BusModule } from '@app/bus';
import { Environment, LlmConfig, LlmPrompt } from '@app/config';
import { Clock, EventBus } from '@app/contracts';
import {
  LlmCacheRepository,
  LlmCostRepository,
  PersistenceModule,
  ResultRepository,
  StoreWriter,
  ValidationSampleRepository,
} from '@app/persistence';
import { OpenAiModel } from './client/openai-model.js';
import { InProcessRateLimiter } from './limits/in-process-rate-limiter.js';
import { LlmRateLimiter } from './limits/llm-rate-limiter.js';
import { RedisRateLimiter } from './limits/redis-rate-limiter.js';
import { countAttempt, LlmOpinions, newLlmCounters } from './llm-opinions.js';
import { OpinionPublisher } from './opinion-publisher.js';

/** Why opinions are off, or null: no key, or switched off in llm.yaml. */
export function llmOffReason(environment: Environment, llm: LlmConfig): string | null {
  if (!llm.enabled) return 'switched off in llm.yaml (enabled: false)';
  if (environment.openAiKeys.length === 0) return 'no OPENAI_API_KEYS configured';
  return null;
}

/**
 * The LLM opinion service, wired: the limiter is Redis-wide when the deployment has Redis (every
 * process shares one spacing and concurrency budget) and in-process otherwise; without keys no
 * model is built at all and every opinion says `no-key`.
 */
@Module({
  imports: [BusModule, PersistenceModule],
  providers: [
    {
      provide: LlmRateLimiter,
      inject: [LlmConfig, BusConnections, Clock],
      useFactory: (llm: LlmConfig, connections: BusConnections, clock: Clock): LlmRateLimiter =>
        connections.enabled
          ? new RedisRateLimiter(connections.commands(), connections.keys.prefix, llm.limits)
          : new InProcessRateLimiter(llm.limits, clock),
    },
    {
      provide: LlmOpinions,
      inject: [
        Environment,
        LlmConfig,
        LlmPrompt,
        LlmRateLimiter,
        LlmCacheRepository,
        LlmCostRepository,
        Clock,
      ],
      useFactory: (
        environment: Environment,
        llm: LlmConfig,
        prompt: LlmPrompt,
        limiter: LlmRateLimiter,
        cache: LlmCacheRepository,
        costs: LlmCostRepository,
        clock: Clock,
      ): LlmOpinions => {
        const logger = new Logger('llm');
        const off = llmOffReason(environment, llm);
        const price = llm.prices[llm.model];
        if (price === undefined) throw new Error(`llm.yaml: no price for ${llm.model}`); // refused at load already
        const counters = newLlmCounters();
        const model =
          off === null
            ? new OpenAiModel(
                {
                  baseUrl: llm.baseUrl,
                  model: llm.model,
                  timeoutMs: llm.timeoutMs,
                  maxAttempts: llm.maxAttempts,
                  retry: { baseMs: llm.retryBaseMs, maxMs: llm.retryMaxMs },
                  rateLimitCooldownMs: llm.rateLimitCooldownMs,
                  maxOutputTokens: llm.maxOutputTokens,
                  temperature: llm.temperature,
                  maxKeyWaitMs: llm.limits.maxWaitMs,
                },
                {
                  keys: environment.openAiKeys,
                  limiter,
                  clock,
                  logger,
                  onAttempt: (outcome) => {
                    countAttempt(counters, outcome);
                  },
                },
              )
            : null;
        const opinions = new LlmOpinions(
          {
            off,
            model: llm.model,
            price,
            prompt,
            answer: llm.answer,
            cacheTtlMs: llm.cacheTtlSeconds * 1000,
            dailyBudgetUsd: llm.dailyBudgetUsd,
            blendWeight: llm.blendWeight,
            maxQueued: llm.maxQueued,
          },
          model,
          { cache, costs },
          clock,
          logger,
          counters,
        );
        return opinions;
      },
    },
    {
      provide: OpinionPublisher,
      inject: [EventBus, StoreWriter, ResultRepository, ValidationSampleRepository, Clock],
      useFactory: (
        bus: EventBus,
        writer: StoreWriter,
        results: ResultRepository,
        samples: ValidationSampleRepository,
        clock: Clock,
      ) => new OpinionPublisher({ bus, writer, results, samples, now: () => clock.now() }),
    },
  ],
  exports: [LlmOpinions, OpinionPublisher],
})
export class LlmModule implements OnApplicationBootstrap {
  constructor(
    private readonly opinions: LlmOpinions,
    private readonly llm: LlmConfig,
    private readonly prompt: LlmPrompt,
  ) {}

  onApplicationBootstrap(): void {
    const status = this.opinions.status();
    const logger = new Logger('llm');
    if (status.off !== null)
      logger.log(`LLM opinions off: ${status.off}; results carry the engine's label alone`);
    else
      logger.log(
        `LLM opinions on: ${this.llm.model} at ${this.llm.baseUrl}, ${status.keys.length} key(s) ${status.keys.map((k) => k.key).join(' ')}, prompt ${this.prompt.version}, budget ${this.llm.dailyBudgetUsd} USD/day`,
      );
  }
}
