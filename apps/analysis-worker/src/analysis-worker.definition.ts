import { ServiceName } from '@app/contracts';
import type { ServiceDefinition } from '@app/platform';
import { AnalysisWorkerMetricsModule } from './analysis-worker-metrics.controller.js';
import { AnalysisWorkerModule } from './analysis-worker.module.js';

export const analysisWorkerService: ServiceDefinition = {
  name: ServiceName.AnalysisWorker,
  hosts: [ServiceName.AnalysisWorker],
  // Its own /metrics only when it runs alone: in local mode the gateway serves /metrics.
  modules: [AnalysisWorkerModule, AnalysisWorkerMetricsModule],
};
