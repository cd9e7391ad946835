import { Controller, Get } from '@nestjs/common';
import type { DistributedAnalysisStatus, LocalAnalysisStatus } from '@app/analysis';
import { AnalysisWorkerService } from './analysis-worker.service.js';

/** The worker's progress: markets held, counters (results, signals, coalesced, rejected) and lag. */
@Controller('health')
export class AnalysisWorkerHealthController {
  constructor(private readonly service: AnalysisWorkerService) {}

  @Get('analysis-worker')
  status(): LocalAnalysisStatus | DistributedAnalysisStatus {
    return this.service.status();
  }
}
