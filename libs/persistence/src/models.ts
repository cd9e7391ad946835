import type { Connection, Model } from 'mongoose';
import { CandleRepository } from './repositories/candle.repository.js';
import { LlmCacheRepository, LlmCostRepository } from './repositories/llm.repository.js';
import { OrderBookRepository } from './repositories/order-book.repository.js';
import { ResultRepository } from './repositories/result.repository.js';
import { SignalRepository } from './repositories/signal.repository.js';
import { SnapshotRepository } from './repositories/snapshot.repository.js';
import { ValidationSampleRepository } from './repositories/validation-sample.repository.js';
import {
  type EngineSnapshotDocument,
  engineSnapshotSchema,
  SNAPSHOT_MODEL,
} from './schemas/snapshot.schema.js';
import {
  type CandleDocument,
  candleSchema,
  type LlmAnalysisDocument,
  llmAnalysisSchema,
  type LlmCostDocument,
  llmCostSchema,
  MODEL_NAMES,
  type OrderBookDocument,
  orderBookSchema,
  type ResultDocument,
  resultSchema,
  type RetentionSettings,
  type SignalDocument,
  signalSchema,
} from './schemas/store.schemas.js';
import {
  SAMPLE_MODEL,
  type ValidationSampleDocument,
  validationSampleSchema,
} from './schemas/validation-sample.schema.js';

export interface StoreRepositories {
  readonly results: ResultRepository;
  readonly signals: SignalRepository;
  readonly candles: CandleRepository;
  readonly llmCache: LlmCacheRepository;
  readonly llmCosts: LlmCostRepository;
  readonly orderBooks: OrderBookRepository;
  readonly snapshots: SnapshotRepository;
  readonly samples: ValidationSampleRepository;
  readonly models: readonly Model<unknown>[];
}

/**
 * The repositories over a plain mongoose connection — what the Nest module builds through DI,
 * for tests, benchmarks and tools that have no Nest application.
 */
export function createRepositories(connection: Connection, retention: RetentionSettings): StoreRepositories {
  const results = connection.model<ResultDocument>(MODEL_NAMES.result, resultSchema(retention));
  const signals = connection.model<SignalDocument>(MODEL_NAMES.signal, signalSchema(retention));
  const candles = connection.model<CandleDocument>(MODEL_NAMES.candle, candleSchema());
  const analyses = connection.model<LlmAnalysisDocument>(MODEL_NAMES.llmAnalysis, llmAnalysisSchema());
  const costs = connection.model<LlmCostDocument>(MODEL_NAMES.llmCost, llmCostSchema());
  const books = connection.model<OrderBookDocument>(MODEL_NAMES.orderBook, orderBookSchema(retention));
  const snapshots = connection.model<EngineSnapshotDocument>(SNAPSHOT_MODEL, engineSnapshotSchema());
  const samples = connection.model<ValidationSampleDocument>(SAMPLE_MODEL, validationSampleSchema(retention));
  return {
    results: new ResultRepository(results),
    signals: new SignalRepository(signals),
    candles: new CandleRepository(candles),
    llmCache: new LlmCacheRepository(analyses),
    llmCosts: new LlmCostRepository(costs),
    orderBooks: new OrderBookRepository(books),
    snapshots: new SnapshotRepository(snapshots),
    samples: new ValidationSampleRepository(samples),
    models: [
      results,
      signals,
      candles,
      analyses,
      costs,
      books,
      snapshots,
      samples,
    ] as unknown as readonly Model<unknown>[],
  };
}
