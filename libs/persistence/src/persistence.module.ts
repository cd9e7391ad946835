import { type BeforeApplicationShutdown, Logger, Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { AppConfig } from '@app/config';
import { ShutdownReport } from '@app/contracts';
import { CandleRepository } from './repositories/candle.repository.js';
import { LlmCacheRepository, LlmCostRepository } from './repositories/llm.repository.js';
import { OrderBookRepository } from './repositories/order-book.repository.js';
import { ResultRepository } from './repositories/result.repository.js';
import { SignalRepository } from './repositories/signal.repository.js';
import { SnapshotRepository } from './repositories/snapshot.repository.js';
import { ValidationSampleRepository } from './repositories/validation-sample.repository.js';
import { engineSnapshotSchema, SNAPSHOT_MODEL } from './schemas/snapshot.schema.js';
import {
  candleSchema,
  llmAnalysisSchema,
  llmCostSchema,
  MODEL_NAMES,
  orderBookSchema,
  resultSchema,
  signalSchema,
} from './schemas/store.schemas.js';
import { SAMPLE_MODEL, validationSampleSchema } from './schemas/validation-sample.schema.js';
import { StoreConnector } from './store-connector.js';
import { StoreTarget } from './store-target.js';
import { StoreWriter } from './write-path/store-writer.js';

/** The store target lives in its own module so the Mongoose root can be built from it. */
@Module({ providers: [StoreTarget, StoreConnector], exports: [StoreTarget, StoreConnector] })
class StoreTargetModule {}

const REPOSITORIES = [
  ResultRepository,
  SignalRepository,
  CandleRepository,
  LlmCacheRepository,
  LlmCostRepository,
  OrderBookRepository,
  SnapshotRepository,
  ValidationSampleRepository,
];

/**
 * Flushes pending writes before any module's onApplicationShutdown, so the connection and the
 * embedded server are still up while it does. The apps stop producing first (their
 * onModuleDestroy and their own beforeApplicationShutdown flush). Bounded by the stop's deadline
 * (or the store's operation timeout outside a signalled stop): what is still unwritten then is
 * logged at error level, write by write (market, timeframe and candle times), and reported, so
 * the process exits non-zero.
 */
class WriterShutdown implements BeforeApplicationShutdown {
  constructor(
    private readonly writer: StoreWriter,
    private readonly app: AppConfig,
    private readonly report: ShutdownReport | null,
  ) {}

  async beforeApplicationShutdown(): Promise<void> {
    this.writer.close();
    // A signalled stop flushes until its deadline; otherwise (tests, a failed boot) for one operation timeout.
    const report = this.report;
    const deadline = report?.deadline ?? null;
    const budget =
      report === null || deadline === null ? this.app.storage.operationTimeoutMs : report.budget(Infinity);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => {
        resolve('timeout');
      }, budget);
    });
    const outcome = await Promise.race([this.writer.flush(), timeout]);
    clearTimeout(timer);
    if (outcome !== 'timeout') return;
    const { inFlight, waiting } = this.writer.unwritten();
    if (inFlight === null && waiting.length === 0) return;
    this.writer.abandon();
    const summary = `${waiting.length} store write(s) not written ${deadline === null ? `within ${budget} ms` : "by the stop's deadline"}${inFlight === null ? '' : ', and 1 in flight'}`;
    const inFlightPart = inFlight === null ? '' : ` [in flight, may have landed: ${inFlight}]`;
    new Logger('Store').error(`shutting down with ${summary}: ${waiting.join('; ')}${inFlightPart}`);
    this.report?.lost(summary);
  }
}

/**
 * Mongoose on MongoDB (or the embedded server in local mode): schemas, repositories that return
 * plain objects, and the ordered, bounded, retrying write path. Connections are lazy, so a store
 * that is down at boot does not stop the service from starting. A static module, so the apps
 * that local mode hosts together share one connection (and one embedded server).
 */
@Module({
  imports: [
    StoreTargetModule,
    MongooseModule.forRootAsync({
      imports: [StoreTargetModule],
      inject: [StoreTarget, StoreConnector, AppConfig],
      useFactory: async (target: StoreTarget, connector: StoreConnector, app: AppConfig) => {
        const { uri, ...where } = await target.resolve();
        const options = {
          ...where,
          serverSelectionTimeoutMS: app.storage.operationTimeoutMs,
          // Mongoose holds commands while (re)connecting, but only this long: past it they fail,
          // and the write path's own bounded, ordered buffer takes over with retries.
          bufferCommands: true,
          bufferTimeoutMS: app.storage.operationTimeoutMs,
          autoIndex: true,
        };
        return {
          uri,
          ...options,
          lazyConnection: true,
          // A first connect that fails is retried until it succeeds (StoreConnector).
          connectionFactory: (connection: Connection) => connector.watch(connection, uri, options),
        };
      },
    }),
    MongooseModule.forFeatureAsync([
      {
        name: MODEL_NAMES.result,
        inject: [AppConfig],
        useFactory: (app: AppConfig) => resultSchema(app.storage),
      },
      {
        name: MODEL_NAMES.signal,
        inject: [AppConfig],
        useFactory: (app: AppConfig) => signalSchema(app.storage),
      },
      { name: MODEL_NAMES.candle, useFactory: () => candleSchema() },
      { name: MODEL_NAMES.llmAnalysis, useFactory: () => llmAnalysisSchema() },
      { name: MODEL_NAMES.llmCost, useFactory: () => llmCostSchema() },
      {
        name: MODEL_NAMES.orderBook,
        inject: [AppConfig],
        useFactory: (app: AppConfig) => orderBookSchema(app.storage),
      },
      { name: SNAPSHOT_MODEL, useFactory: () => engineSnapshotSchema() },
      {
        name: SAMPLE_MODEL,
        inject: [AppConfig],
        useFactory: (app: AppConfig) => validationSampleSchema(app.storage),
      },
    ]),
  ],
  providers: [
    ...REPOSITORIES,
    {
      provide: StoreWriter,
      inject: [AppConfig],
      useFactory: (app: AppConfig) =>
        new StoreWriter({
          capacity: app.storage.writeBufferSize,
          retryBaseMs: app.storage.retryBaseMs,
          retryMaxMs: app.storage.retryMaxMs,
          logger: new Logger('StoreWriter'),
        }),
    },
    {
      provide: WriterShutdown,
      inject: [StoreWriter, AppConfig, { token: ShutdownReport, optional: true }],
      useFactory: (writer: StoreWriter, app: AppConfig, report: ShutdownReport | undefined) =>
        new WriterShutdown(writer, app, report ?? null),
    },
  ],
  exports: [...REPOSITORIES, StoreWriter, StoreTargetModule],
})
export class PersistenceModule {}
