import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import mongoose, { type Connection } from 'mongoose';
import type { MarketAnalyzer } from '@app/analysis';
import type { ConfluenceConfig } from '@app/config';
import type { ResultFormatter } from '@app/confluence';
import { type EventBus, MarketEventName, type MarketRef } from '@app/contracts';
import { type ReplayFile, ReplaySource } from '@app/market';
import { COLLECTIONS, createRepositories, type StoreRepositories, StoreWriter } from '@app/persistence';
import { type BenchLogger, LatencyProbe } from './pipeline-probe.js';

/** The pipeline benchmark's rig: what a phase is, and running one through a path (local or Redis). */

/** Wall time between two closes of a market in the paced phase (markets close together). */
export const PACED_GAP_MS = 10;
/** Longest wait for the last results once a replay is done (a stuck path fails, it does not hang). */
export const DRAIN_TIMEOUT_MS = 30_000;
export interface Figures {
  readonly label: string;
  readonly candles: number;
  /** Wall time to the last result stored; null when the replay was paced (not a throughput). */
  readonly seconds: number | null;
  /** Per candle result, ms, sorted. */
  readonly latencies: readonly number[];
  /** Results the phase added to the store, of how many expected. */
  readonly stored: { readonly count: number; readonly expected: number } | null;
  readonly notes: readonly string[];
}

/** The bulk of the candles at full speed, or the rest one at a time. */
export interface Phase {
  readonly name: 'max' | 'paced';
  readonly speed: number | 'max';
  /** Each file's candles in this phase, as CSV text, by path. */
  readonly texts: ReadonlyMap<string, string>;
  readonly candles: number;
  /** Candle results the engine gives for them (warm-up candles give none). */
  readonly expected: number;
}

export interface Context {
  readonly config: ConfluenceConfig;
  readonly files: readonly ReplayFile[];
  readonly markets: readonly MarketRef[];
  readonly phases: readonly [Phase, Phase];
  readonly formatter: ResultFormatter;
  readonly createAnalyzer: (market: MarketRef) => MarketAnalyzer;
}

export async function openStore(
  config: ConfluenceConfig,
  uri: string,
  dbName: string,
  options: { readonly monitorCommands?: boolean } = {},
): Promise<{ connection: Connection; repos: StoreRepositories }> {
  const connection = await mongoose.createConnection(uri, { dbName, ...options }).asPromise();
  const { storage } = config.app;
  const repos = createRepositories(connection, {
    resultsRetentionDays: storage.resultsRetentionDays,
    signalsRetentionDays: storage.signalsRetentionDays,
    orderBookRetentionDays: storage.orderBookRetentionDays,
  });
  await Promise.all(repos.models.map((model) => model.init()));
  return { connection, repos };
}

export function storeWriter(config: ConfluenceConfig, logger: BenchLogger): StoreWriter {
  const { storage } = config.app;
  return new StoreWriter({
    capacity: storage.writeBufferSize,
    retryBaseMs: storage.retryBaseMs,
    retryMaxMs: storage.retryMaxMs,
    logger,
  });
}

/** What both paths share: the worker's store, and the bus side of market-data and of a consumer. */
export interface Rig {
  readonly label: string;
  readonly connection: Connection;
  readonly writer: StoreWriter;
  readonly logger: BenchLogger;
  /** market-data's bus: where the replay publishes candles. */
  readonly publisher: EventBus;
  /** Where results are received: `probe.current` is the phase's probe. */
  readonly probe: { current: LatencyProbe };
  /** One line on the worker (counters, rejects), after a phase. */
  readonly workerNote: () => string;
}

/** Replays one phase through the rig; figures for that phase. */
export async function runPhase(ctx: Context, rig: Rig, phase: Phase): Promise<Figures> {
  const { writer, probe } = rig;
  probe.current = new LatencyProbe();
  const current = probe.current;
  const storedBefore = await countResults(rig.connection);
  const source = new ReplaySource({
    files: ctx.files,
    speed: phase.speed,
    readFile: (file) => phase.texts.get(file) ?? '',
    now: () => Date.now(),
    sleep: (ms) => delay(ms),
    warmupCandles: 0,
    publish: async (event) => {
      current.sent(event);
      await rig.publisher.publish(MarketEventName.CandleClosed, event);
    },
  });
  const writtenBefore = writer.status().written;
  const start = performance.now();
  const { published } = await source.run();
  const replayed = performance.now();
  const writtenDuringReplay = writer.status().written - writtenBefore;
  const complete = await current.until(phase.expected, DRAIN_TIMEOUT_MS);
  await writer.flush();
  const drained = performance.now();
  const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  const status = writer.status();
  return {
    label: `${rig.label}, ${phase.name === 'max' ? 'speed max' : `paced ${PACED_GAP_MS} ms`}`,
    candles: published,
    seconds: phase.name === 'max' ? (drained - start) / 1000 : null,
    latencies: current.sorted(),
    stored: { count: (await countResults(rig.connection)) - storedBefore, expected: phase.expected },
    notes: [
      `replay loop ${s(replayed - start)} (store writes done by then: ${writtenDuringReplay}); last result ` +
        `published at ${s(current.lastAt - start)} (${(current.count / ((current.lastAt - start) / 1000)).toFixed(0)} ` +
        `results/s); store drained at ${s(drained - start)}`,
      `results received ${current.count}/${phase.expected}${complete ? '' : ' (TIMED OUT)'}, unmatched ${current.unmatched}; ${rig.workerNote()}`,
      `store writes so far: ${status.written}/${status.accepted} written, ${status.dropped} dropped (buffer full), ` +
        `${status.rejected} rejected, ${status.retries} retries; lib log so far: ${rig.logger.warnings} warning(s), ${rig.logger.errors} error(s)`,
    ],
  };
}

export async function countResults(connection: Connection): Promise<number> {
  return connection.collection(COLLECTIONS.results).countDocuments();
}

export const total = (counts: Readonly<Record<string, number>>): number =>
  Object.values(counts).reduce((a, b) => a + b, 0);
