import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { BusHealthIndicator, BusModule } from '@app/bus';
import { LlmHealthIndicator } from '@app/llm';
import { PersistenceModule, StoreHealthIndicator, StoreWritesHealthIndicator } from '@app/persistence';
import { ReadinessChecks, readinessController } from '@app/platform';
import { AnalysisHealthIndicator } from './analysis.indicator.js';
import { AnalysisWorkerModule } from './analysis-worker.module.js';

/**
 * `GET /health/ready` of a worker on its own, in the shape every app answers (libs/platform):
 * the store (`down` when not connected or refusing: 503; a busy one `degraded`), its write path
 * (`degraded` while writes fail and are buffered), the bus (its Redis in distributed mode) and
 * the worker's own analysis (markets held, lag) and its LLM opinions (never `down`: a spent budget
 * or failing keys are `degraded`). Not in local mode, whose gateway answers
 * readiness for the whole process over the same store, write path and bus.
 */
@Module({
  imports: [AnalysisWorkerModule, PersistenceModule, BusModule, TerminusModule],
  controllers: [readinessController({ downWhen: 'the store does not answer' })],
  providers: [
    StoreHealthIndicator,
    StoreWritesHealthIndicator,
    BusHealthIndicator,
    AnalysisHealthIndicator,
    LlmHealthIndicator,
    {
      provide: ReadinessChecks,
      inject: [
        StoreHealthIndicator,
        StoreWritesHealthIndicator,
        BusHealthIndicator,
        AnalysisHealthIndicator,
        LlmHealthIndicator,
      ],
      useFactory: (
        store: StoreHealthIndicator,
        writes: StoreWritesHealthIndicator,
        bus: BusHealthIndicator,
        analysis: AnalysisHealthIndicator,
        llm: LlmHealthIndicator,
      ) =>
        new ReadinessChecks([
          () => store.isHealthy('store'),
          () => writes.isHealthy('writes'),
          () => bus.isHealthy('bus'),
          () => analysis.isHealthy('analysis'),
          () => llm.isHealthy('llm'),
        ]),
    },
  ],
})
export class AnalysisWorkerReadinessModule {}
