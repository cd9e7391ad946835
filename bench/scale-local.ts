import { LocalAnalysis, type MarketAnalyzer, StoreAndBusSink } from '@app/analysis';
import { InProcessEventBus } from '@app/bus';
import { ResultFormatter } from '@app/confluence';
import { AnalysisEventName, MarketEventName, marketId, type MarketRef } from '@app/contracts';
import { startCpuProfile } from './cpu-profile.js';
import { StoreCommandProbe } from './scale-store-probe.js';
import { BenchLogger } from './pipeline-probe.js';
import { openStore, storeWriter, total } from './pipeline-rig.js';
import { type ScalePlan, warmMarkets } from './scale-baseline.js';
import { type BurstFigures, loopDelayMonitor, ResultTally } from './scale-burst.js';
import { runBursts, verifyResults } from './scale-verify.js';
import { type MemoryFigures, type MemorySample, memoryNow } from './scale-report.js';

/** The scale benchmark's local mode: InProcessEventBus → LocalAnalysis → StoreAndBusSink → store. */

export interface ModeFigures {
  readonly label: string;
  readonly warmSeconds: number;
  readonly bursts: readonly BurstFigures[];
  /** Results of the unmeasured bursts (stored too). */
  readonly warmResults: number;
  /** ms, over the measured bursts' time only. */
  readonly loopDelay: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly memory: MemoryFigures;
  /** Lost, duplicated or unexpected results (bus) and results missing from the store. */
  readonly faults: readonly string[];
  readonly notes: readonly string[];
}

/**
 * Wired as apps/analysis-worker wires local mode (without Nest), every market's analyzer warmed
 * before the bus starts (LocalAnalysis asks `createAnalyzer` for a market's analyzer on its first
 * event: it gets the warmed one). The embedded store runs in this process, as in local mode.
 */
export async function runLocal(
  plan: ScalePlan,
  storeUri: string,
  expected: readonly ReadonlySet<string>[],
  start: MemorySample,
): Promise<ModeFigures> {
  const logger = new BenchLogger();
  const { connection, repos } = await openStore(plan.config, storeUri, 'bench_scale_local', {
    monitorCommands: plan.storeCommands,
  });
  const commands = plan.storeCommands ? new StoreCommandProbe(connection) : null;
  try {
    const before = memoryNow();
    const warmed = warmMarkets(plan);
    const afterWarm = memoryNow();
    const bus = new InProcessEventBus(logger);
    const writer = storeWriter(plan.config, logger);
    const now = (): number => Date.now();
    const sink = new StoreAndBusSink({
      writer,
      results: repos.results,
      signals: repos.signals,
      samples: repos.samples,
      bus,
      formatter: new ResultFormatter(),
      now,
    });
    const createAnalyzer = (market: MarketRef): MarketAnalyzer => {
      const analyzer = warmed.markets.get(marketId(market))?.analyzer;
      if (analyzer === undefined) throw new Error(`${marketId(market)}: not a market of the benchmark`);
      return analyzer;
    };
    const worker = new LocalAnalysis({ bus, sink, createAnalyzer, now, logger, logUpdates: false });
    const tally = new ResultTally();
    let signalChanges = 0;
    bus.subscribe(AnalysisEventName.ConfluenceUpdated, (payload) => {
      tally.received(payload);
    });
    bus.subscribe(AnalysisEventName.SignalChanged, () => {
      signalChanges++;
    });
    worker.start();
    const path = {
      label: 'local',
      publish: (event: Parameters<typeof bus.publish<typeof MarketEventName.CandleClosed>>[1]) =>
        bus.publish(MarketEventName.CandleClosed, event),
      // Every result was handed to the store when its close's publish resolved (the bus awaits
      // the worker): the write path drained is the burst stored.
      stored: () => writer.flush(),
      writes: () => writer.status().written,
    };
    const loopDelay = loopDelayMonitor();
    const run = await runBursts(plan, path, tally, expected, loopDelay, async () =>
      plan.profile === null ? null : startCpuProfile(plan.profile),
    );
    worker.stop();
    const afterBursts = memoryNow();
    const faults = await verifyResults(tally, expected, connection, plan.origin);
    const status = writer.status();
    const counters = worker.status().counters;
    return {
      label: 'local: in-process bus → LocalAnalysis → StoreAndBusSink → embedded store',
      warmSeconds: warmed.seconds,
      bursts: run.bursts,
      warmResults: run.warmResults,
      loopDelay: {
        p50: loopDelay.percentile(50) / 1e6,
        p99: loopDelay.percentile(99) / 1e6,
        max: loopDelay.max / 1e6,
      },
      memory: { start, before, afterWarm, afterBursts, markets: plan.markets.length },
      faults,
      notes: [
        `worker: ${counters.candles} candles, ${counters.results} results, ${counters.storeRefused} store-refused; ` +
          `bus rejected ${total(bus.stats().rejected)}, handler errors ${total(bus.stats().handlerErrors)}; ` +
          `${signalChanges} signal.changed, ${tally.refreshes} refresh updates`,
        `store: ${status.written}/${status.accepted} bulk writes written, ${status.dropped} dropped, ` +
          `${status.rejected} rejected, ${status.retries} retries; lib log: ${logger.warnings} warning(s), ${logger.errors} error(s)`,
        ...(commands === null ? [] : ['store commands (all bursts, warm ones too):', ...commands.lines()]),
      ],
    };
  } finally {
    // The embedded store keeps every document in memory: the next mode starts without these.
    await connection.dropDatabase();
    await connection.close();
  }
}
