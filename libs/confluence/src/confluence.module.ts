import { Module } from '@nestjs/common';
import { IndicatorsConfig, WeightsConfig } from '@app/config';
import { ConfluenceEngine } from './engine/confluence-engine.js';
import { createConfluenceEngine } from './engine/create-engine.js';
import { EngineFactory } from './engine/engine-factory.js';
import { ResultFormatter } from './format/result-formatter.js';
import { ScoreCalculator } from './scoring/score-calculator.js';
import { WeightManager } from './weights/weight-manager.js';

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
