import type { Candle, ConfluenceResult } from '@app/confluence';
import type { DataSource, MarketEventName, MarketRef, Signal, Timeframe } from '@app/contracts';
import type { BusEventPayload } from '@app/contracts/dto';
import type { SignalChange } from '@app/persistence';

/** A market event as the worker receives it (validated by the bus). */
export type MarketEvent = {
  readonly [N in MarketEventName]: { readonly name: N; readonly payload: BusEventPayload<N> };
}[MarketEventName];

/** One result the worker produced, with what it needs to store and publish it. */
export interface AnalysisUpdate {
  readonly result: ConfluenceResult;
  readonly source: DataSource;
  readonly trigger: 'candle' | 'refresh';
  /** When market-data published the input that triggered it. */
  readonly inputEmittedAt: number;
  /** The close of the candle that triggered a candle result (forward validation's price). */
  readonly close?: number;
}

/**
 * A label change between consecutive candle results of a stream, as stored (`SignalChange`: `time`
 * is the open time of the candle whose result changed the label) plus where its data came from.
 */
export interface LabelChange extends SignalChange {
  readonly source: DataSource;
}

/** What one batch of events produced. Refresh updates are published, never stored (see MarketAnalyzer). */
export interface AnalysisOutput {
  readonly market: MarketRef;
  readonly updates: readonly AnalysisUpdate[];
  readonly changes: readonly LabelChange[];
  readonly counts: BatchCounts;
}

export interface BatchCounts {
  readonly candles: number;
  /** Candles the engine refused (duplicate, out of order, invalid): never analysed twice. */
  readonly skippedCandles: number;
  /** Snapshots (books, derivatives) superseded by a newer one in the same batch. */
  readonly coalesced: number;
  readonly snapshots: number;
}

/**
 * Where a market's analysis stands: the last candle fed per timeframe and the last label per
 * timeframe. Checkpoints carry it, so a worker that takes the market over resumes exactly.
 */
export interface AnalyzerState {
  readonly candles: Readonly<Partial<Record<Timeframe, number>>>;
  readonly labels: Readonly<Partial<Record<Timeframe, Signal>>>;
}

/** Closed candles of a market, from the store (the worker rebuilds indicator state from them). */
export interface CandleHistory {
  /** The newest `count` candles of a stream with open time ≤ `until`, oldest first. */
  candlesUntil(market: MarketRef, timeframe: Timeframe, until: number, count: number): Promise<Candle[]>;
}

/** Where results and label changes go: the store (bounded, retried) and the bus. */
export interface AnalysisSink {
  /**
   * Queues the batch's candle results and label changes for the store; `after` runs once they
   * are written (the distributed worker advances its stored checkpoint there). False when the
   * write path refused them (its buffer is full; counted and logged by the write path).
   */
  store(output: AnalysisOutput, after?: () => Promise<void>): boolean;
  /** Publishes updates and label changes on the bus (local mode; distributed mode commits them). */
  publish(output: AnalysisOutput): Promise<void>;
}

/** A market's saved analysis state (the store keeps the newest per market). */
export interface MarketSnapshot {
  readonly exchange: string;
  readonly symbol: string;
  /** The market-log offset the state is at; null in local mode (no log). */
  readonly offset: string | null;
  /** Newest candle (open time) taken per timeframe. */
  readonly position: Readonly<Partial<Record<Timeframe, number>>>;
  readonly labels: Readonly<Partial<Record<Timeframe, Signal>>>;
  readonly engineVersion: string;
  readonly configHash: string;
  readonly takenAt: number;
  /** The engine snapshot as JSON text. */
  readonly data: string;
}

/** Where snapshots are kept (the store's SnapshotRepository); `save` never replaces a newer one. */
export interface SnapshotStore {
  load(market: MarketRef): Promise<MarketSnapshot | null>;
  save(snapshot: MarketSnapshot): Promise<boolean>;
}
