import { Injectable } from '@nestjs/common';
import { type HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { LlmOpinions } from './llm-opinions.js';

/**
 * The LLM for readiness (Terminus indicator). Opinions are advisory, so nothing here is ever
 * `down`: off (no key) is `up` and says so; a spent daily budget or keys that all fail is
 * `degraded` — results keep flowing on the engine alone, and an operator is told why.
 */
@Injectable()
export class LlmHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly opinions: LlmOpinions,
  ) {}

  async isHealthy<const Key extends string>(key: Key): Promise<HealthIndicatorResult<Key>> {
    const indicator = this.health.check(key);
    const status = this.opinions.status();
    if (status.off !== null) return indicator.up({ state: 'off', message: `no LLM opinions: ${status.off}` });
    const budget = await this.opinions.refreshBudget();
    const details = {
      state: 'on',
      model: status.model,
      keys: status.keys.map(({ key, state }) => `${key} ${state}`),
      spentUsd: Number(budget.spentUsd.toFixed(6)),
      budgetUsd: budget.capUsd,
    };
    if (budget.exhausted)
      return indicator.degraded({
        ...details,
        message: `daily LLM budget of ${budget.capUsd} USD spent: no opinions until 00:00 UTC`,
      });
    const invalid = status.keys.filter((k) => k.state === 'invalid');
    if (invalid.length === status.keys.length)
      return indicator.degraded({ ...details, message: 'every LLM API key was refused (401/403)' });
    if (status.keys.every((k) => k.state !== 'ready'))
      return indicator.degraded({ ...details, message: 'every usable LLM API key is resting after a 429' });
    return indicator.up(details);
  }
}
