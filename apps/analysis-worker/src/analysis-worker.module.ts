import { Logger, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { AnalysisDriver } from '@app/analysis';
import { BusModule } from '@app/bus';
import { WeightsConfig } from '@app/config';
import { ConfluenceModule } from '@app/confluence/nest';
import { PersistenceModule } from '@app/persistence';
import { AnalysisWorkerHealthController } from './analysis-worker-health.controller.js';
import { analysisDriverProvider } from './analysis-driver.provider.js';
import { AnalysisWorkerService } from './analysis-worker.service.js';

/**
 * Consumes market events, runs the confluence engine, stores and publishes results
 * (libs/analysis decides; this module wires it).
 */
@Module({
  imports: [BusModule, PersistenceModule, ConfluenceModule],
  controllers: [AnalysisWorkerHealthController],
  providers: [analysisDriverProvider, AnalysisWorkerService],
  // The driver too: the standalone worker's readiness reads its status.
  exports: [AnalysisWorkerService, AnalysisDriver],
})
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
