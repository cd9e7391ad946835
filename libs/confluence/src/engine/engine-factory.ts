import type { ConfigShape, IndicatorsConfig, WeightsConfig } from '@app/config';
import type { ConfluenceEngine } from './confluence-engine.js';
import { createConfluenceEngine } from './create-engine.js';

/**
 * Builds engines from the validated configuration: a worker needs one per market (each holds its
 * markets' state), the gateway one for on-demand analysis.
 */
export class EngineFactory {
  constructor(
    private readonly indicators: ConfigShape<IndicatorsConfig>,
    private readonly weights: ConfigShape<WeightsConfig>,
  ) {}

  create(): ConfluenceEngine {
    return createConfluenceEngine({ indicators: this.indicators, weights: this.weights });
  }
}
