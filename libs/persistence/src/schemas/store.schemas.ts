import { Schema } from 'mongoose';
import type { LlmOpinion } from '@app/contracts';

/**
 * Mongoose schemas of the store. Times are BSON Dates in the database (readable in mongosh and
 * Compass, and what TTL indexes need); repositories convert them to epoch milliseconds.
 * `versionKey` is off: documents are written by idempotent upserts, never edited in place.
 */

export const COLLECTIONS = {
  results: 'confluence_results',
  signals: 'signals',
  candles: 'candles',
  llmAnalyses: 'llm_analyses',
  llmCosts: 'llm_costs',
  orderBooks: 'orderbook_snapshots',
} as const;

export const MODEL_NAMES = {
  result: 'ConfluenceResult',
  signal: 'SignalChange',
  candle: 'Candle',
  llmAnalysis: 'LlmAnalysis',
  llmCost: 'LlmCost',
  orderBook: 'OrderBookSnapshot',
} as const;

const market = {
  exchange: { type: String, required: true },
  symbol: { type: String, required: true },
  timeframe: { type: String, required: true },
};

export interface ResultDocument {
  exchange: string;
  symbol: string;
  timeframe: string;
  candleTime: Date;
  computedAt: Date;
  storedAt: Date;
  score: number;
  label: string;
  confidence: number;
  coverage: number;
  staleness: number;
  engineVersion: string;
  configHash: string;
  inputHash: string;
  /** 1: `result` holds the domain result. Absent on documents written before (they hold `breakdown`). */
  format?: number;
  result?: Record<string, unknown>;
  /** The v1 REST rendering, on documents written before `format` 1 only. */
  breakdown?: Record<string, unknown>;
  /** A model's opinion about the result, once attached; about this `inputHash` only. */
  llm?: LlmOpinion;
}

export interface SignalDocument {
  exchange: string;
  symbol: string;
  timeframe: string;
  time: Date;
  storedAt: Date;
  from: string | null;
  to: string;
  score: number;
  confidence: number;
}

export interface CandleDocument {
  exchange: string;
  symbol: string;
  timeframe: string;
  timestamp: Date;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  source: string;
}

export interface LlmAnalysisDocument {
  key: string;
  model: string;
  value: Record<string, unknown>;
  createdAt: Date;
  expiresAt: Date;
}

export interface LlmCostDocument {
  day: string;
  model: string;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  /** Ids of the charges applied, so a retried `$inc` is applied once. */
  appliedOps: string[];
}

/** Retention comes from config (storage.*); schemas are built per connection with it. */
export interface RetentionSettings {
  readonly resultsRetentionDays: number;
  readonly signalsRetentionDays: number;
  readonly orderBookRetentionDays: number;
}

/** A recorded order book; levels as `[price, size]` pairs, best first. */
export interface OrderBookDocument {
  exchange: string;
  symbol: string;
  timestamp: Date;
  sequence: number | null;
  bids: number[][];
  asks: number[][];
  source: string;
  storedAt: Date;
}

const DAY_SECONDS = 86_400;

export function resultSchema(retention: RetentionSettings): Schema<ResultDocument> {
  const schema = new Schema<ResultDocument>(
    {
      ...market,
      candleTime: { type: Date, required: true },
      computedAt: { type: Date, required: true },
      storedAt: { type: Date, required: true },
      score: { type: Number, required: true, min: 0, max: 100 },
      label: { type: String, required: true, enum: ['LONG', 'NEUTRAL', 'SHORT'] },
      confidence: { type: Number, required: true },
      coverage: { type: Number, required: true },
      staleness: { type: Number, required: true },
      engineVersion: { type: String, required: true },
      configHash: { type: String, required: true },
      inputHash: { type: String, required: true },
      format: { type: Number },
      result: { type: Schema.Types.Mixed },
      breakdown: { type: Schema.Types.Mixed },
      llm: { type: Schema.Types.Mixed, required: false },
    },
    { collection: COLLECTIONS.results, versionKey: false, minimize: false },
  );
  // One result per candle of a stream; the unique key makes retried and replayed writes idempotent.
  schema.index(
    { exchange: 1, symbol: 1, timeframe: 1, candleTime: -1 },
    { unique: true, name: 'market_time' },
  );
  schema.index(
    { storedAt: 1 },
    { expireAfterSeconds: retention.resultsRetentionDays * DAY_SECONDS, name: 'retention' },
  );
  return schema;
}

export function signalSchema(retention: RetentionSettings): Schema<SignalDocument> {
  const schema = new Schema<SignalDocument>(
    {
      ...market,
      time: { type: Date, required: true },
      storedAt: { type: Date, required: true },
      from: { type: String, default: null, enum: ['LONG', 'NEUTRAL', 'SHORT', null] },
      to: { type: String, required: true, enum: ['LONG', 'NEUTRAL', 'SHORT'] },
      score: { type: Number, required: true },
      confidence: { type: Number, required: true },
    },
    { collection: COLLECTIONS.signals, versionKey: false },
  );
  schema.index({ exchange: 1, symbol: 1, timeframe: 1, time: -1 }, { unique: true, name: 'market_time' });
  // "Since" queries across markets.
  schema.index({ time: -1 }, { name: 'time' });
  schema.index(
    { storedAt: 1 },
    { expireAfterSeconds: retention.signalsRetentionDays * DAY_SECONDS, name: 'retention' },
  );
  return schema;
}

export function candleSchema(): Schema<CandleDocument> {
  const schema = new Schema<CandleDocument>(
    {
      ...market,
      timestamp: { type: Date, required: true },
      open: { type: Number, required: true },
      high: { type: Number, required: true },
      low: { type: Number, required: true },
      close: { type: Number, required: true },
      volume: { type: Number, required: true },
      source: { type: String, required: true, enum: ['live', 'replay'] },
    },
    { collection: COLLECTIONS.candles, versionKey: false },
  );
  // Replays and backfills upsert on this key, so a candle is stored once however often it arrives.
  schema.index(
    { exchange: 1, symbol: 1, timeframe: 1, timestamp: 1 },
    { unique: true, name: 'market_open_time' },
  );
  return schema;
}

export function llmAnalysisSchema(): Schema<LlmAnalysisDocument> {
  const schema = new Schema<LlmAnalysisDocument>(
    {
      key: { type: String, required: true },
      model: { type: String, required: true },
      value: { type: Schema.Types.Mixed, required: true },
      createdAt: { type: Date, required: true },
      expiresAt: { type: Date, required: true },
    },
    { collection: COLLECTIONS.llmAnalyses, versionKey: false },
  );
  schema.index({ key: 1 }, { unique: true, name: 'key' });
  // Each document carries its own expiry time.
  schema.index({ expiresAt: 1 }, { expireAfterSeconds: 0, name: 'expiry' });
  return schema;
}

export function llmCostSchema(): Schema<LlmCostDocument> {
  const schema = new Schema<LlmCostDocument>(
    {
      day: { type: String, required: true, match: /^\d{4}-\d{2}-\d{2}$/ },
      model: { type: String, required: true },
      requests: { type: Number, required: true, default: 0 },
      promptTokens: { type: Number, required: true, default: 0 },
      completionTokens: { type: Number, required: true, default: 0 },
      costUsd: { type: Number, required: true, default: 0 },
      appliedOps: { type: [String], default: [] },
    },
    { collection: COLLECTIONS.llmCosts, versionKey: false },
  );
  schema.index({ day: 1, model: 1 }, { unique: true, name: 'day_model' });
  return schema;
}

export function orderBookSchema(retention: RetentionSettings): Schema<OrderBookDocument> {
  const schema = new Schema<OrderBookDocument>(
    {
      exchange: { type: String, required: true },
      symbol: { type: String, required: true },
      timestamp: { type: Date, required: true },
      sequence: { type: Number, default: null },
      bids: { type: [[Number]], required: true },
      asks: { type: [[Number]], required: true },
      source: { type: String, required: true, enum: ['live', 'replay'] },
      storedAt: { type: Date, required: true },
    },
    { collection: COLLECTIONS.orderBooks, versionKey: false },
  );
  // One snapshot per market and exchange time: a retried write stores nothing twice.
  schema.index({ exchange: 1, symbol: 1, timestamp: 1 }, { unique: true, name: 'market_time' });
  schema.index(
    { storedAt: 1 },
    { expireAfterSeconds: retention.orderBookRetentionDays * DAY_SECONDS, name: 'retention' },
  );
  return schema;
}
