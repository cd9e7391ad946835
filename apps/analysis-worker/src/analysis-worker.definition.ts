import { ServiceName } from '@app/contracts';
import type { ServiceDefinition } from '@app/platform';
import { AnalysisWorkerModule } from './analysis-worker.module.js';

export const analysisWorkerService: ServiceDefinition = {
  name: ServiceName.AnalysisWorker,
  hosts: [ServiceName.AnalysisWorker],
  modules: [AnalysisWorkerModule],
};
