import type { Candle } from '../domain/market-data.types.js';
import type { PlainData, Snapshotable } from '../snapshot/state-codec.js';

/**
 * One streaming indicator over closed candles. `add()` takes the next candle in time order and
 * costs O(period) at most, independent of history; `getResult()` is null until warm-up is over.
 * Its whole state saves to plain data and loads back (engine snapshots).
 */
export interface StreamingIndicator<Result, State = unknown> extends Snapshotable<State> {
  /** Candles needed before the first result (the index of the first result + 1). */
  readonly warmUp: number;
  add(candle: Candle): Result | null;
  getResult(): Result | null;
}

/** Holds the latest result so each indicator only says how to compute the next one. */
export abstract class StreamingBase<Result, State> implements StreamingIndicator<Result, State> {
  abstract readonly warmUp: number;
  protected result: Result | null = null;

  abstract add(candle: Candle): Result | null;
  abstract save(): PlainData<State>;
  abstract load(state: unknown, path: string): void;

  getResult(): Result | null {
    return this.result;
  }
}

/** Column-wise candles for the batch kernels (one Float64Array per field, same length). */
export interface CandleColumns {
  readonly length: number;
  readonly timestamp: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

export function toColumns(candles: readonly Candle[]): CandleColumns {
  const n = candles.length;
  const columns = {
    length: n,
    timestamp: new Float64Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const c = candles[i] as Candle;
    columns.timestamp[i] = c.timestamp;
    columns.open[i] = c.open;
    columns.high[i] = c.high;
    columns.low[i] = c.low;
    columns.close[i] = c.close;
    columns.volume[i] = c.volume;
  }
  return columns;
}
