import type { Timeframe } from '@app/contracts';
import type { SavedMarketState } from '../orchestrator/market-state.js';
import type { TimeframeScore } from '../scoring/score.types.js';
import type { Portable } from './state-codec.js';

/** Names the format of an engine snapshot; bumped when its shape changes (older ones are refused). */
export const ENGINE_SNAPSHOT_FORMAT = 'confluence.engine-snapshot';
export const ENGINE_SNAPSHOT_VERSION = 1;

/** The orchestrator limits a market's state depends on (not part of the config hash). */
export interface SnapshotLimits {
  readonly windowSize: number;
  readonly maxTrades: number;
  readonly maxDerivatives: number;
}

/** A timeframe's latest score as the engine keeps it for combining with the market's other timeframes. */
export interface SavedLatestScore {
  readonly timeframe: Timeframe;
  readonly score: TimeframeScore;
  readonly digests: Readonly<Record<string, string>>;
  readonly indicators: Readonly<Record<string, number | null>>;
}

/** One market's engine state, in memory (numbers as numbers). */
export interface EngineSnapshotState {
  readonly format: typeof ENGINE_SNAPSHOT_FORMAT;
  readonly version: typeof ENGINE_SNAPSHOT_VERSION;
  readonly engineVersion: string;
  readonly configHash: string;
  readonly exchange: string;
  readonly symbol: string;
  readonly limits: SnapshotLimits;
  readonly market: SavedMarketState;
  /** In the order the engine met the timeframes (it orders the combined result). */
  readonly latest: readonly SavedLatestScore[];
}

/**
 * One market's engine state (every timeframe's stream, its book, trades and derivatives, the
 * latest scores) as plain data: `JSON.parse(JSON.stringify(snapshot))` restores it exactly, the
 * numbers JSON cannot print being written as strings (see Portable).
 */
export type EngineSnapshot = Portable<EngineSnapshotState>;

export type RestoreOutcome =
  { readonly restored: true } | { readonly restored: false; readonly reason: string };
