import { Logger, type Provider } from '@nestjs/common';
import { ValidationConfig } from '@app/config';
import { ForwardValidation, GatewayMetrics, MarketBoard, ResultQueries } from '@app/gateway';
import { ValidationSampleRepository } from '@app/persistence';
import { ProbabilityMaps } from '@app/validation';
import { ForwardValidationSchedule } from './forward-validation.schedule.js';

/**
 * Forward validation in the gateway (ADR 0019): the probability maps results are shown with, the
 * rules behind GET /v1/performance and the gauges, and the schedule that refreshes them.
 */
export const forwardValidationProviders: Provider[] = [
  { provide: ProbabilityMaps, useFactory: () => new ProbabilityMaps() },
  {
    provide: ForwardValidation,
    inject: [
      ValidationConfig,
      ValidationSampleRepository,
      MarketBoard,
      ResultQueries,
      GatewayMetrics,
      ProbabilityMaps,
    ],
    useFactory: (
      settings: ValidationConfig,
      samples: ValidationSampleRepository,
      board: MarketBoard,
      queries: ResultQueries,
      gauges: GatewayMetrics,
      maps: ProbabilityMaps,
    ) =>
      new ForwardValidation(settings, {
        samples,
        streams: () => board.list(),
        resolve: (exchange, symbol, timeframe) => queries.stream(exchange, symbol, timeframe),
        gauges,
        maps,
        logger: new Logger('validation'),
      }),
  },
  ForwardValidationSchedule,
];
