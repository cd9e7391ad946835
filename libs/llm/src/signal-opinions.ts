import type { ConfluenceResult } from '@app/confluence';
import { type DataSource, errorMessage, type LogSink } from '@app/contracts';
import type { LlmOpinions } from './llm-opinions.js';
import type { OpinionPublisher } from './opinion-publisher.js';

/** llm.yaml `onSignalChange`: which label changes ask the model by themselves. */
export interface SignalChangeTriggers {
  readonly enabled: boolean;
  /** `exchange:BASE/QUOTE`; empty: every market. */
  readonly markets: readonly string[];
  /** Empty: every timeframe. */
  readonly timeframes: readonly string[];
}

/** A label change with the candle result that made it. */
export interface ChangedResult {
  readonly result: ConfluenceResult;
  readonly source: DataSource;
}

/**
 * Asks the model when a configured stream's label changes — never on every candle — and
 * publishes the opinion. The analysis never waits for it: asks run beside the pipeline, bounded by
 * the opinion service's queue, and a stop waits for the ones already asked (`drain`).
 */
export class SignalOpinions {
  readonly #running = new Set<Promise<void>>();

  constructor(
    private readonly opinions: LlmOpinions,
    private readonly publisher: Pick<OpinionPublisher, 'publish'>,
    private readonly triggers: SignalChangeTriggers,
    private readonly logger: LogSink,
  ) {}

  /** True when a change of this stream asks the model. */
  wants(result: Pick<ConfluenceResult, 'exchange' | 'symbol' | 'timeframe'>): boolean {
    const { enabled, markets, timeframes } = this.triggers;
    if (!enabled || !this.opinions.enabled) return false;
    if (markets.length > 0 && !markets.includes(`${result.exchange}:${result.symbol}`)) return false;
    return timeframes.length === 0 || timeframes.includes(result.timeframe);
  }

  /** Starts an ask for each wanted change; returns at once. */
  changed(changes: readonly ChangedResult[]): void {
    for (const { result, source } of changes) {
      if (!this.wants(result)) continue;
      const ask = this.#ask(result, source).finally(() => this.#running.delete(ask));
      this.#running.add(ask);
    }
  }

  /** Resolves once every ask started so far has published (or failed and logged). */
  async drain(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }

  get pending(): number {
    return this.#running.size;
  }

  async #ask(result: ConfluenceResult, source: DataSource): Promise<void> {
    try {
      const opinion = await this.opinions.opinionOf(result);
      await this.publisher.publish(result, source, opinion);
      const said =
        opinion.status === 'ok'
          ? `${opinion.signal} (${opinion.confidence})`
          : `unavailable: ${opinion.reason}`;
      this.logger.log(
        `LLM opinion of ${result.exchange} ${result.symbol} ${result.timeframe} ${result.label}: ${said}`,
      );
    } catch (error) {
      this.logger.error(
        `LLM opinion of ${result.exchange} ${result.symbol} ${result.timeframe} not published: ${errorMessage(error)}`,
      );
    }
  }
}
