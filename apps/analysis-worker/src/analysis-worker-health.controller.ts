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
    // Operator detail that grows with the pipeline: the headline fields are fixed, the rest open.
    schema: {
      type: 'object',
      required: ['mode', 'markets', 'counters', 'lagMs', 'store'],
      properties: {
        mode: { type: 'string', enum: ['local', 'distributed'] },
        markets: { type: 'array', items: {}, description: 'market ids (local), or ownership per market' },
        counters: { type: 'object', additionalProperties: { type: 'number' } },
        lagMs: { type: 'object', additionalProperties: true },
        store: { type: 'object', additionalProperties: true, description: 'the store write path' },
      },
      additionalProperties: true,
    },
  })
  status(): ReturnType<AnalysisWorkerService['status']> {
    return this.service.status();
  }
}
