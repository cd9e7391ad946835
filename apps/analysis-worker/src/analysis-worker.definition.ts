import { ServiceName } from '@app/contracts';
import type { ServiceDefinition } from '@app/platform';
import { AnalysisWorkerMetricsModule } from './analysis-worker-metrics.controller.js';
import { AnalysisWorkerReadinessModule } from './analysis-worker-readiness.module.js';
import { AnalysisWorkerModule } from './analysis-worker.module.js';

export const analysisWorkerService: ServiceDefinition = {
  name: ServiceName.AnalysisWorker,
  hosts: [ServiceName.AnalysisWorker],
  // Its own /metrics and /health/ready only when it runs alone: in local mode the gateway serves
  // both, and a second readiness route in the process would be a duplicate.
  modules: [AnalysisWorkerModule, AnalysisWorkerMetricsModule, AnalysisWorkerReadinessModule],
};
