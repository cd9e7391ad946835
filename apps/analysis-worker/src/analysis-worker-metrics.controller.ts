import { Controller, Get, Header, Module } from '@nestjs/common';
import { type DistributedAnalysisStatus, WorkerMetrics } from '@app/analysis';
import { LlmOpinions, registerLlmMetrics } from '@app/llm';
import { PersistenceModule, StoreWriter } from '@app/persistence';
import { AnalysisWorkerModule } from './analysis-worker.module.js';
import { AnalysisWorkerService } from './analysis-worker.service.js';

/**
 * GET /metrics of a standalone (distributed) worker: markets held, ownership changes by reason,
 * takeovers, analysis counters, LLM opinions, process metrics. Not in local mode, whose gateway serves /metrics
 * and whose worker holds no leases.
 */
@Controller()
export class AnalysisWorkerMetricsController {
  readonly #metrics: WorkerMetrics;

  constructor(service: AnalysisWorkerService, writer: StoreWriter, opinions: LlmOpinions) {
    const empty: Pick<
      DistributedAnalysisStatus,
      'markets' | 'takeovers' | 'restores' | 'rebuilds' | 'snapshotsSaved' | 'lostCommits' | 'ownership'
    > = {
      markets: [],
      takeovers: 0,
      restores: 0,
      rebuilds: 0,
      snapshotsSaved: 0,
      lostCommits: 0,
      ownership: { acquired: 0, lost: {} },
    };
    this.#metrics = new WorkerMetrics(
      () => {
        const status = service.status();
        // A worker in local mode (embedded by a test) has no ownership: zeros, not an error.
        return status.mode === 'distributed' ? status : { ...empty, counters: status.counters };
      },
      { processMetrics: true, writes: () => writer.status() },
    );
    registerLlmMetrics(this.#metrics.registry, () => opinions.status());
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  async scrape(): Promise<string> {
    return this.#metrics.registry.metrics();
  }
}

@Module({
  imports: [AnalysisWorkerModule, PersistenceModule],
  controllers: [AnalysisWorkerMetricsController],
})
export class AnalysisWorkerMetricsModule {}
