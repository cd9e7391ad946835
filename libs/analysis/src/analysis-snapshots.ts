import type { MarketSnapshot, SnapshotStore } from './analysis.types.js';

import type { MarketAnalyzer } from './market-analyzer.js';
import { errorMessage } from '@app/contracts';
import type { LogSink } from '@app/contracts';

/**
 * The analyzer's state as a snapshot to save, at `offset` (the market-log offset in distributed
 * mode, null in local mode); null, with a warning, when it cannot be taken.
 */
export function takeSnapshot(
  analyzer: MarketAnalyzer,
  offset: string | null,
  now: number,
  logger: LogSink,
): MarketSnapshot | null {
  try {
    const { engine, state } = analyzer.snapshot();
    return {
      exchange: analyzer.market.exchange,
      symbol: analyzer.market.symbol,
      offset,
      position: state.candles,
      labels: state.labels,
      engineVersion: engine.engineVersion,
      configHash: engine.configHash,
      takenAt: now,
      data: JSON.stringify(engine),
    };
  } catch (error) {
    logger.warn(
      `${analyzer.market.exchange}/${analyzer.market.symbol}: snapshot not taken: ${errorMessage(error)}`,
    );
    return null;
  }
}

/** Saves a snapshot; a failure is a warning (the previous snapshot stays), never an error. */
export async function saveSnapshot(
  store: SnapshotStore | undefined,
  snapshot: MarketSnapshot | null,
  logger: LogSink,
): Promise<boolean> {
  if (snapshot === null || store === undefined) return false;
  try {
    return await store.save(snapshot);
  } catch (error) {
    logger.warn(`${snapshot.exchange}/${snapshot.symbol}: snapshot not saved: ${errorMessage(error)}`);
    return false;
  }
}
