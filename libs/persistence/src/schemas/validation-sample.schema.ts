import { Schema } from 'mongoose';
import type { RetentionSettings } from './store.schemas.js';

export const SAMPLE_COLLECTION = 'validation_samples';
export const SAMPLE_MODEL = 'ValidationSample';

const LABELS = ['LONG', 'NEUTRAL', 'SHORT'];

/**
 * One stored candle result as forward validation reads it (ADR 0019): a few numbers beside the
 * result, so a window of thousands reads without the results' breakdowns. Written by the same
 * ordered write path, in the same batch, as the result it is about.
 */
export interface ValidationSampleDocument {
  exchange: string;
  symbol: string;
  timeframe: string;
  candleTime: Date;
  storedAt: Date;
  close: number;
  score: number;
  label: string;
  /** Component name → score, for the components that had data. */
  components: Record<string, number>;
  inputHash: string;
  /** The model's label (and the blended label) once an opinion about these inputs is attached. */
  llm?: { label: string; blended?: string };
}

export function validationSampleSchema(retention: RetentionSettings): Schema<ValidationSampleDocument> {
  const schema = new Schema<ValidationSampleDocument>(
    {
      exchange: { type: String, required: true },
      symbol: { type: String, required: true },
      timeframe: { type: String, required: true },
      candleTime: { type: Date, required: true },
      storedAt: { type: Date, required: true },
      close: { type: Number, required: true, min: 0 },
      score: { type: Number, required: true, min: 0, max: 100 },
      label: { type: String, required: true, enum: LABELS },
      components: { type: Schema.Types.Mixed, required: true },
      inputHash: { type: String, required: true },
      llm: { type: Schema.Types.Mixed, required: false },
    },
    { collection: SAMPLE_COLLECTION, versionKey: false, minimize: false },
  );
  // One sample per candle of a stream: replays, retries and takeovers upsert the same document.
  schema.index(
    { exchange: 1, symbol: 1, timeframe: 1, candleTime: -1 },
    { unique: true, name: 'market_time' },
  );
  // A sample lives as long as the result it is about.
  schema.index(
    { storedAt: 1 },
    { expireAfterSeconds: retention.resultsRetentionDays * 86_400, name: 'retention' },
  );
  return schema;
}
