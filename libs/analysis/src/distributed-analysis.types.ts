import type { ResultFormatter } from '@app/confluence';
import type { LogSink, MarketEventLog, MarketRef, Timeframe } from '@app/contracts';
import type { AnalysisCounters, AnalysisStats } from './analysis-stats.js';
import type { AnalysisOutput, AnalysisSink, CandleHistory, SnapshotStore } from './analysis.types.js';
import type { MarketAnalyzer } from './market-analyzer.js';

/** What DistributedAnalysis is given and what it reports (distributed-analysis.ts). */

/** Who owns which market (Redis leases in production); calls back when that changes. */
export interface MarketOwnership {
  start(): void;
  stop(options?: { release?: boolean }): Promise<void>;
}

export interface OwnershipCallbacks {
  readonly onAcquired: (market: MarketRef) => Promise<void>;
  readonly onLost: (market: MarketRef, reason: string) => Promise<void>;
}

export interface DistributedAnalysisSettings {
  readonly workerId: string;
  /** Entries read per market per round. */
  readonly batchSize: number;
  /** How long one read waits for new entries. */
  readonly blockMs: number;
  /** Stored candles loaded per timeframe when taking a market over without a usable snapshot. */
  readonly rebuildCandles: number;
  /** Candles between two saved snapshots of a market (it is also saved on a clean stop). */
  readonly snapshotEveryCandles: number;
  readonly timeframesOf: (market: MarketRef) => readonly Timeframe[];
  readonly logUpdates: boolean;
}

export interface DistributedAnalysisDeps {
  readonly log: MarketEventLog;
  readonly ownership: (callbacks: OwnershipCallbacks) => MarketOwnership;
  readonly history: CandleHistory;
  readonly snapshots: SnapshotStore;
  readonly sink: AnalysisSink;
  readonly formatter: ResultFormatter;
  readonly createAnalyzer: (market: MarketRef) => MarketAnalyzer;
  readonly now: () => number;
  readonly logger: LogSink;
  /** Told of each committed batch (LLM opinions on label changes); must not wait on anything. */
  readonly published?: (output: AnalysisOutput) => void;
}

export interface DistributedAnalysisStatus {
  readonly mode: 'distributed';
  readonly workerId: string;
  readonly markets: readonly {
    readonly market: string;
    readonly offset: string;
    readonly repairing: boolean;
  }[];
  readonly counters: AnalysisCounters;
  readonly lagMs: ReturnType<AnalysisStats['lag']['summary']>;
  readonly takeovers: number;
  /** Takeovers that restored a snapshot (exact), and those that rebuilt from stored candles. */
  readonly restores: number;
  readonly rebuilds: number;
  readonly snapshotsSaved: number;
  readonly lostCommits: number;
  /** Ownership changes seen by this worker: markets acquired, and lost by reason (expired, rebalanced, stopped). */
  readonly ownership: { readonly acquired: number; readonly lost: Readonly<Record<string, number>> };
}
