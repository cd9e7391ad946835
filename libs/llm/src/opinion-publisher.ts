import type { ConfluenceResult } from '@app/confluence';
import { AnalysisEventName, type DataSource, type EventBus, type LlmOpinion } from '@app/contracts';
import type { ResultRepository, StoreWriter, ValidationSampleRepository } from '@app/persistence';

/**
 * Where an opinion goes once given: onto its stored result, and on the bus as `llm.opinion`
 * (gateways attach it to the latest result and relay it to the market's room). The store write
 * joins the ordered write path, so it runs after the result's own write it is attached to.
 */
export class OpinionPublisher {
  constructor(
    private readonly deps: {
      readonly bus: EventBus;
      readonly writer: StoreWriter;
      readonly results: Pick<ResultRepository, 'attachOpinion'>;
      /** Forward validation's samples: the model's labels are scored beside the engine's. */
      readonly samples: Pick<ValidationSampleRepository, 'attachOpinion'>;
      readonly now: () => number;
    },
  ) {}

  async publish(result: ConfluenceResult, source: DataSource, opinion: LlmOpinion): Promise<void> {
    const { exchange, symbol, timeframe, candleTime, inputHash, score, label } = result;
    const { bus, writer, results, samples, now } = this.deps;
    writer.enqueue({
      describe: `LLM opinion of ${exchange} ${symbol} ${timeframe} at ${new Date(candleTime).toISOString()}`,
      run: async () => {
        await results.attachOpinion({ exchange, symbol, timeframe }, candleTime, opinion);
        await samples.attachOpinion({ exchange, symbol, timeframe }, candleTime, opinion);
      },
    });
    await bus.publish(AnalysisEventName.LlmOpinion, {
      exchange,
      symbol,
      source,
      emittedAt: now(),
      timeframe,
      candleTime,
      inputHash,
      score,
      label,
      opinion: { ...opinion, ...(opinion.status === 'ok' ? { risks: [...opinion.risks] } : {}) },
    });
  }
}
