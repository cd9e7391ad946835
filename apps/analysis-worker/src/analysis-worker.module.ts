import { Logger, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { WeightsConfig } from '@app/config';
import { PersistenceModule } from '@app/persistence';

/**
 * Consumes market events, runs the confluence engine, stores and publishes results. The engine
 * and its handlers are wired here as they are built; rules live in libs.
 */
@Module({ imports: [PersistenceModule] })
export class AnalysisWorkerModule implements OnApplicationBootstrap {
  private readonly logger = new Logger('analysis-worker');

  constructor(private readonly weights: WeightsConfig) {}

  onApplicationBootstrap(): void {
    const components = Object.entries(this.weights.components)
      .map(([name, weight]) => `${name} ${weight}`)
      .join(', ');
    this.logger.log(
      `weights ${components}; SHORT ≤ ${this.weights.thresholds.short} < NEUTRAL < ${this.weights.thresholds.long} ≤ LONG`,
    );
  }
}
