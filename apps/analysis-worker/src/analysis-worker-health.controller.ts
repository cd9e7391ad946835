import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { AnalysisWorkerService } from './analysis-worker.service.js';

/**
 * The worker's progress: markets held, counters (results, signals, coalesced, rejected), lag and
 * its store writes, with the newest writes it lost and what they held.
 */
@Controller('health')
export class AnalysisWorkerHealthController {
  constructor(private readonly service: AnalysisWorkerService) {}

  @Get('analysis-worker')
  @ApiOperation({ summary: 'The analysis worker: markets held, counters, lag, ownership, store write path' })
  @ApiOkResponse({
    description: 'mode, markets, counters, lagMs, and the store write path (state, pending, lost writes)',
  })
  status(): ReturnType<AnalysisWorkerService['status']> {
    return this.service.status();
  }
}
