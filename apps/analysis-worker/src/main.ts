import 'reflect-metadata';
import { runService } from '@app/platform';
import { analysisWorkerService } from './analysis-worker.definition.js';

await runService(analysisWorkerService);
