import 'reflect-metadata';
import { ServiceName } from '@app/contracts';
import { bootService } from '@app/platform/boot';

// The modules are imported once the configuration is valid: a bad one is reported without them.
await bootService({
  name: ServiceName.AnalysisWorker,
  load: async () => (await import('./analysis-worker.definition.js')).analysisWorkerService,
});
