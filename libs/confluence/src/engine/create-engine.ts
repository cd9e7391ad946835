import type { ConfigShape, IndicatorsConfig, WeightsConfig } from '@app/config';
import type { ConfluenceComponent } from '../components/component.types.js';
import { OrderBookComponent } from '../components/order-book.component.js';
import { OrderFlowComponent } from '../components/order-flow.component.js';
import { PriceStructureComponent } from '../components/price-structure.component.js';
import { SentimentComponent } from '../components/sentiment.component.js';
import { TechnicalComponent } from '../components/technical.component.js';
import { VolumeComponent } from '../components/volume.component.js';
import { engineIndicators } from '../indicators/engine-indicators.js';
import type { OrchestratorOptions } from '../orchestrator/indicator-orchestrator.js';
import { ScoreCalculator } from '../scoring/score-calculator.js';
import { WeightManager } from '../weights/weight-manager.js';
import { ConfluenceEngine } from './confluence-engine.js';

/** The six components, in the order the breakdown lists them, tuned from indicators.yaml. */
export function defaultComponents(indicators: ConfigShape<IndicatorsConfig>): readonly ConfluenceComponent[] {
  return [
    new OrderFlowComponent(),
    new OrderBookComponent(),
    new VolumeComponent(indicators.relativeVolume.period),
    new PriceStructureComponent(),
    new TechnicalComponent(),
    new SentimentComponent(indicators.atr.period),
  ];
}

/** Builds an engine from validated config (the Nest module does the same through DI). */
export function createConfluenceEngine(
  config: {
    readonly indicators: ConfigShape<IndicatorsConfig>;
    readonly weights: ConfigShape<WeightsConfig>;
  },
  options?: OrchestratorOptions,
): ConfluenceEngine {
  return new ConfluenceEngine({
    indicators: engineIndicators(config.indicators),
    indicatorsConfig: config.indicators,
    components: defaultComponents(config.indicators),
    weights: new WeightManager(config.weights),
    calculator: new ScoreCalculator(),
    ...(options === undefined ? {} : { options }),
  });
}
