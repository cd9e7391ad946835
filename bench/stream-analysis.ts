import {
  type AnalysisOutput,
  type AnalysisSink,
  changedEvent,
  LocalAnalysis,
  MarketAnalyzer,
  StoreAndBusSink,
  updatedEvent,
} from '@app/analysis';
import { InProcessEventBus } from '@app/bus';
import type { ConfluenceConfig } from '@app/config';
import { createConfluenceEngine, ResultFormatter } from '@app/confluence';
import { AnalysisEventName, type EventBus, MarketEventName } from '@app/contracts';
import { BenchLogger } from './pipeline-probe.js';
import { openStore, storeWriter, total } from './pipeline-rig.js';
import type { CloseProbe } from './stream-probe.js';

/**
 * Local mode's analysis side, as the pipeline benchmark wires it without Nest: an in-process bus,
 * LocalAnalysis, and a sink that publishes `confluence.updated` and (with a store) writes the
 * results through the store's write path. The probe hears `candle.closed` before the worker does.
 */
export interface AnalysisSide {
  readonly bus: InProcessEventBus;
  readonly logger: BenchLogger;
  /** One line on the worker and the bus (and the store's writes). */
  note(): string;
  /** Candles the worker refused, payloads the bus rejected, handlers that threw: each an error. */
  problems(): string[];
  /** Stops the worker; with a store, flushes its writes and closes the connection. */
  close(): Promise<void>;
}

export interface AnalysisSideOptions {
  readonly config: ConfluenceConfig;
  readonly probe: CloseProbe;
  /** The analysis clock (the fake's virtual time: what a live worker's wall clock would read). */
  readonly now: () => number;
  /** The embedded store's URI, or null to publish only (no store writes). */
  readonly storeUri: string | null;
  readonly dbName: string;
}

/** Publishes what the worker produced and stores nothing: the path without the store's CPU. */
class PublishOnlySink implements AnalysisSink {
  constructor(
    private readonly bus: EventBus,
    private readonly formatter: ResultFormatter,
    private readonly now: () => number,
  ) {}

  store(): boolean {
    return true;
  }

  // As StoreAndBusSink.publish.
  async publish(output: AnalysisOutput): Promise<void> {
    for (const update of output.updates)
      await this.bus.publish(
        AnalysisEventName.ConfluenceUpdated,
        updatedEvent(update, this.formatter, this.now()),
      );
    for (const change of output.changes)
      await this.bus.publish(AnalysisEventName.SignalChanged, changedEvent(change, this.now()));
  }
}

export async function openAnalysis(options: AnalysisSideOptions): Promise<AnalysisSide> {
  const { config, probe, now, storeUri, dbName } = options;
  const logger = new BenchLogger();
  const bus = new InProcessEventBus(logger);
  const formatter = new ResultFormatter();
  let sink: AnalysisSink = new PublishOnlySink(bus, formatter, now);
  let closeStore = (): Promise<void> => Promise.resolve();
  let storeNote = (): string => 'no store';
  if (storeUri !== null) {
    const { connection, repos } = await openStore(config, storeUri, dbName);
    const writer = storeWriter(config, logger);
    const { results, signals, samples } = repos;
    sink = new StoreAndBusSink({ writer, results, signals, samples, bus, formatter, now });
    closeStore = async () => {
      await writer.flush();
      await connection.close();
    };
    storeNote = () => {
      const s = writer.status();
      return `store ${s.written}/${s.accepted} written, ${s.dropped} dropped, ${s.rejected} rejected`;
    };
  }
  bus.subscribe(MarketEventName.CandleClosed, (event) => {
    probe.published(event.symbol, event.candle);
  });
  const worker = new LocalAnalysis({
    bus,
    sink,
    createAnalyzer: (market) =>
      new MarketAnalyzer(
        market,
        createConfluenceEngine({ indicators: config.indicators, weights: config.weights }),
        { refreshIntervalMs: config.app.analysis.refreshIntervalMs },
      ),
    now,
    logger,
    logUpdates: false,
  });
  worker.start();
  bus.subscribe(AnalysisEventName.ConfluenceUpdated, (payload) => {
    probe.updated(payload);
  });
  return {
    bus,
    logger,
    note: () => {
      const c = worker.status().counters;
      const published = bus.stats().published;
      const count = (name: string): number => published[name] ?? 0;
      return (
        `worker: ${c.candles} candles, ${c.results} results, ${c.refreshes} refreshes, ${c.storeRefused} store-refused; bus: ` +
        `${count(MarketEventName.CandleClosed)} candle.closed, ${count(MarketEventName.OrderBookSnapshot)} books, ` +
        `${count(MarketEventName.TradesBatch)} trade batches, ${count(AnalysisEventName.ConfluenceUpdated)} confluence.updated, ` +
        `${total(bus.stats().rejected)} rejected; ${storeNote()}; lib log: ${logger.warnings} warning(s), ${logger.errors} error(s)`
      );
    },
    problems: () => {
      const c = worker.status().counters;
      const stats = bus.stats();
      return [
        ...(c.skippedCandles > 0 ? [`the worker refused ${c.skippedCandles} candle(s)`] : []),
        ...(c.storeRefused > 0 ? [`the store refused ${c.storeRefused} batch(es)`] : []),
        ...(total(stats.rejected) > 0 ? [`the bus rejected ${total(stats.rejected)} payload(s)`] : []),
        ...(total(stats.handlerErrors) > 0 ? [`${total(stats.handlerErrors)} bus handler(s) threw`] : []),
      ];
    },
    close: async () => {
      worker.stop();
      await closeStore();
    },
  };
}
