import { Module } from '@nestjs/common';
import { IndicatorsConfig, WeightsConfig } from '@app/config';
import { ConfluenceEngine } from './engine/confluence-engine.js';
import { createConfluenceEngine } from './engine/create-engine.js';
import { ResultFormatter } from './format/result-formatter.js';
import { ScoreCalculator } from './scoring/score-calculator.js';
import { WeightManager } from './weights/weight-manager.js';

/**
 * Builds engines from the validated configuration: a worker needs one per market (each holds its
 * markets' state), the gateway one for on-demand analysis.
 */
export class EngineFactory {
  constructor(
    private readonly indicators: IndicatorsConfig,
    private readonly weights: WeightsConfig,
  ) {}

  create(): ConfluenceEngine {
    return createConfluenceEngine({ indicators: this.indicators, weights: this.weights });
  }
}

/**
 * Wires the plain-TypeScript engine into Nest DI from the validated config: the one way engine
 * parts reach the apps (an engine factory, one ResultFormatter, one WeightManager). The engine
 * provider holds per-market state, so each importing app gets one instance per application.
 */
@Module({
  providers: [
    {
      provide: EngineFactory,
      useFactory: (indicators: IndicatorsConfig, weights: WeightsConfig) =>
        new EngineFactory(indicators, weights),
      inject: [IndicatorsConfig, WeightsConfig],
    },
    {
      provide: WeightManager,
      useFactory: (weights: WeightsConfig) => new WeightManager(weights),
      inject: [WeightsConfig],
    },
    { provide: ScoreCalculator, useValue: new ScoreCalculator() },
    { provide: ResultFormatter, useValue: new ResultFormatter() },
    {
      provide: ConfluenceEngine,
      useFactory: (indicators: IndicatorsConfig, weights: WeightsConfig) =>
        createConfluenceEngine({ indicators, weights }),
      inject: [IndicatorsConfig, WeightsConfig],
    },
  ],
  exports: [EngineFactory, WeightManager, ScoreCalculator, ResultFormatter, ConfluenceEngine],
})
export class ConfluenceModule {}
