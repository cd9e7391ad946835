import { Schema } from 'mongoose';

export const SNAPSHOT_COLLECTION = 'engine_snapshots';
export const SNAPSHOT_MODEL = 'EngineSnapshot';

/**
 * The newest analysis state of one market (engine snapshot plus the analyzer's labels), so a
 * worker taking the market over, or local mode after a restart, continues exactly where the last
 * owner stopped instead of re-warming from a window of candles. One document per market.
 */
export interface EngineSnapshotDocument {
  /** `exchange:symbol`. */
  _id: string;
  exchange: string;
  symbol: string;
  /** Market-log offset the state is at (distributed mode), null where there is no log. */
  offset: string | null;
  /** Ordering key: the log offset's milliseconds and sequence, or the newest candle time and 0. */
  orderMs: number;
  orderSeq: number;
  /** Newest candle (open time) taken per timeframe. */
  position: Record<string, number>;
  labels: Record<string, string>;
  engineVersion: string;
  configHash: string;
  takenAt: Date;
  /** The engine snapshot as JSON text: stored verbatim, so doubles and encodings round-trip. */
  data: string;
  bytes: number;
}

export function engineSnapshotSchema(): Schema<EngineSnapshotDocument> {
  return new Schema<EngineSnapshotDocument>(
    {
      _id: { type: String, required: true },
      exchange: { type: String, required: true },
      symbol: { type: String, required: true },
      offset: { type: String, default: null },
      orderMs: { type: Number, required: true },
      orderSeq: { type: Number, required: true },
      position: { type: Schema.Types.Mixed, required: true },
      labels: { type: Schema.Types.Mixed, required: true },
      engineVersion: { type: String, required: true },
      configHash: { type: String, required: true },
      takenAt: { type: Date, required: true },
      data: { type: String, required: true },
      bytes: { type: Number, required: true },
    },
    { collection: SNAPSHOT_COLLECTION, versionKey: false, minimize: false },
  );
}
