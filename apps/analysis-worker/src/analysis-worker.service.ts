import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { AnalysisDriver, type StopWork } from '@app/analysis';
import { AppConfig } from '@app/config';
import { ShutdownReport } from '@app/contracts';
import { SignalOpinions } from '@app/llm';
import { StoreWriter, type StoreWriterStatus } from '@app/persistence';

/**
 * Starts the analysis driver (local or distributed: `analysisDriverProvider` chooses), stops it in
 * the phase it asks for with every wait bounded, and reports its status with the write path's.
 */
@Injectable()
export class AnalysisWorkerService
  implements OnApplicationBootstrap, OnModuleDestroy, BeforeApplicationShutdown
{
  readonly #flushMs: number;
  private readonly logger = new Logger('analysis-worker');

  constructor(
    private readonly driver: AnalysisDriver,
    private readonly writer: StoreWriter,
    private readonly opinions: SignalOpinions,
    app: AppConfig,
    // By token: a union type gives DI no class to go by.
    @Inject(ShutdownReport) @Optional() private readonly report: ShutdownReport | null = null,
  ) {
    this.#flushMs = app.storage.operationTimeoutMs;
  }

  onApplicationBootstrap(): void {
    this.driver.start();
  }

  /** Distributed: first in a stop, while the write path is open (see AnalysisDriver.stopsAt). */
  async onModuleDestroy(): Promise<void> {
    if (this.driver.stopsAt === 'module-destroy') await this.driver.shutdown(this.#stopWork());
  }

  /** Local: after market-data stopped publishing, so every candle it published was analysed. */
  async beforeApplicationShutdown(): Promise<void> {
    const work = this.#stopWork();
    if (this.driver.stopsAt === 'before-shutdown') await this.driver.shutdown(work);
    // Opinions already asked publish and queue their store write (flushed with the store, next);
    // one still waiting on the model at the deadline is given up, the result stands without it.
    if (this.opinions.pending > 0 && (await work.bounded(this.opinions.drain())) === 'timeout')
      this.logger.warn(`stopping with ${this.opinions.pending} LLM opinion(s) still asked: not published`);
  }

  status(): ReturnType<AnalysisDriver['status']> & { readonly store: StoreWriterStatus } {
    return { ...this.driver.status(), store: this.writer.status() };
  }

  /** Each wait at most the store's operation timeout, and never past the stop's deadline. */
  #stopWork(): StopWork {
    const bounded = async (work: Promise<void>): Promise<'done' | 'timeout'> => {
      const budget = this.report?.budget(this.#flushMs) ?? this.#flushMs;
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        work.then(() => 'done' as const),
        new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => {
            resolve('timeout');
          }, budget);
        }),
      ]);
      clearTimeout(timer);
      return outcome;
    };
    return { flush: () => bounded(this.writer.flush()), bounded };
  }
}
