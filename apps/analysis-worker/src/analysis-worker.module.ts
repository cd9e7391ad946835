import { Logger, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { AnalysisDriver } from '@app/analysis';
import { LlmModule, LlmOpinions, OpinionPublisher, SignalOpinions } from '@app/llm';
import { BusModule } from '@app/bus';
import { LlmConfig, WeightsConfig } from '@app/config';
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
  imports: [BusModule, PersistenceModule, ConfluenceModule, LlmModule],
  controllers: [AnalysisWorkerHealthController],
  providers: [
    analysisDriverProvider,
    AnalysisWorkerService,
    {
      provide: SignalOpinions,
      inject: [LlmOpinions, OpinionPublisher, LlmConfig],
      useFactory: (opinions: LlmOpinions, publisher: OpinionPublisher, llm: LlmConfig) =>
        new SignalOpinions(opinions, publisher, llm.onSignalChange, new Logger('llm')),
    },
  ],
  // The driver too: the standalone worker's readiness reads its status.
  exports: [AnalysisWorkerService, AnalysisDriver, LlmModule],
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
