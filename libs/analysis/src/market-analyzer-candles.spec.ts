import { describe, expect, it } from '@jest/globals';
import type { Candle, ConfluenceEngine, ConfluenceResult } from '@app/confluence';
import type { Signal, Timeframe } from '@app/contracts';
import { expectDeepEqual } from '@app/testing';
import type { AnalysisOutput, AnalyzerState, LabelChange, MarketEvent } from './analysis.types.js';
import type { MarketAnalyzer } from './market-analyzer.js';
import {
  btc1m,
  btc5m,
  type CandleEvent,
  candleEvent,
  feedOneByOne,
  headline,
  key,
  MARKET,
  newAnalyzer,
  newEngine,
  only,
  timeline,
  warmed,
} from './testing/analyzer-kit.js';

/**
 * MarketAnalyzer's candle results: one per candle once warm, as the engine gives them fed
 * directly, with their label transitions; and, after a rebuild from stored candles and a
 * checkpointed state, the same results as an analyzer that was never interrupted.
 */

/** What the engine says, fed directly, for each candle in turn (null while warming up). */
function direct(
  events: readonly CandleEvent[],
  engine: ConfluenceEngine = newEngine(),
): (ConfluenceResult | null)[] {
  return events.map(({ payload }) => {
    expect(engine.addCandle(key(payload.timeframe), payload.candle)).toEqual({ accepted: true });
    const outcome = engine.analyze(key(payload.timeframe), payload.emittedAt);
    return outcome.status === 'ready' ? outcome.result : null;
  });
}

/** Label transitions of each timeframe's sequence of candle results: the first one from null. */
function transitions(
  results: readonly ConfluenceResult[],
): Pick<LabelChange, 'timeframe' | 'time' | 'from' | 'to'>[] {
  const last = new Map<Timeframe, Signal>();
  const changes: Pick<LabelChange, 'timeframe' | 'time' | 'from' | 'to'>[] = [];
  for (const r of results) {
    const from = last.get(r.timeframe) ?? null;
    if (from !== r.label) changes.push({ timeframe: r.timeframe, time: r.candleTime, from, to: r.label });
    last.set(r.timeframe, r.label);
  }
  return changes;
}

/** Feeds one event per batch and records the analyzer's state after each (a checkpoint after every event). */
function feedRecordingStates(
  analyzer: MarketAnalyzer,
  events: readonly MarketEvent[],
): { outputs: AnalysisOutput[]; states: AnalyzerState[] } {
  const states: AnalyzerState[] = [];
  const outputs = events.map((event) => {
    const output = analyzer.process([event], event.payload.emittedAt);
    states.push(analyzer.state());
    return output;
  });
  return { outputs, states };
}

describe('MarketAnalyzer candle results', () => {
  it('gives one result per candle once warm (none while warming up), equal to the engine fed directly', () => {
    const events = btc1m.slice(0, 400).map((c) => candleEvent('1m', c));
    const expected = direct(events);
    const outputs = feedOneByOne(newAnalyzer(), events);
    const firstReady = expected.findIndex((r) => r !== null);
    expect(firstReady).toBeGreaterThan(0);
    for (const [i, output] of outputs.entries()) {
      expect(output.counts).toEqual({ candles: 1, skippedCandles: 0, coalesced: 0, snapshots: 0 });
      const want = expected[i];
      if (want === null || want === undefined) {
        expect(output.updates).toEqual([]);
        expect(output.changes).toEqual([]);
        continue;
      }
      const update = only(output);
      expect(update).toMatchObject({
        trigger: 'candle',
        source: 'replay',
        inputEmittedAt: events[i]!.payload.emittedAt,
      });
      expect(headline(update.result)).toEqual(headline(want));
    }
    expect(outputs.slice(firstReady).every((o) => o.updates.length === 1)).toBe(true);
  });

  it('analyses a market’s timeframes together, as the engine does fed the same candles', () => {
    const events = timeline(1_200);
    const expected = direct(events);
    const outputs = feedOneByOne(newAnalyzer(), events);
    const got = outputs.map((o) =>
      o.updates[0]?.result === undefined ? null : headline(o.updates[0].result),
    );
    expect(got).toEqual(expected.map((r) => (r === null ? null : headline(r))));
    expect(outputs.every((o) => o.updates.length <= 1)).toBe(true);
    expect(new Set(expected.filter((r) => r !== null).map((r) => r.timeframe))).toEqual(
      new Set(['1m', '5m']),
    );
  });

  it('records exactly the label transitions of each timeframe’s results, the first one from null', () => {
    const events = timeline(1_500);
    const outputs = feedOneByOne(newAnalyzer(), events);
    const results = outputs.flatMap((o) => o.updates.map((u) => u.result));
    const changes = outputs.flatMap((o) => o.changes);
    const expected = transitions(results);
    expect(expected.length).toBeGreaterThan(4);
    expect(changes.map(({ timeframe, time, from, to }) => ({ timeframe, time, from, to }))).toEqual(expected);
    expect(changes.filter((c) => c.from === null).map((c) => c.timeframe)).toEqual(['1m', '5m']);
    // Each change carries its result's score and confidence, and the market it belongs to.
    for (const output of outputs)
      for (const change of output.changes) {
        const result = output.updates.find((u) => u.result.timeframe === change.timeframe)?.result;
        expect(change).toEqual({
          ...MARKET,
          timeframe: change.timeframe,
          source: 'replay',
          time: result?.candleTime,
          from: change.from,
          to: result?.label,
          score: result?.score,
          confidence: result?.confidence,
        });
      }
  });

  it('gives each candle result its own inputHash (different candles, different inputs)', () => {
    const outputs = feedOneByOne(newAnalyzer(), timeline(600));
    const results = outputs.flatMap((o) => o.updates.map((u) => u.result));
    const seen = new Map<string, string>();
    const duplicates: string[] = [];
    for (const r of results) {
      const id = `${r.timeframe} ${new Date(r.candleTime).toISOString()}`;
      const other = seen.get(r.inputHash);
      if (other !== undefined) duplicates.push(`${id} has the inputHash of ${other}`);
      seen.set(r.inputHash, id);
    }
    expect(results.length).toBeGreaterThan(300);
    expect({ duplicates: duplicates.length, first: duplicates.slice(0, 3) }).toEqual({
      duplicates: 0,
      first: [],
    });
  });

  it('skips a duplicate or older candle: counted, no result, state untouched', () => {
    const { analyzer, last } = warmed(300);
    const before = analyzer.state();
    const duplicate = analyzer.process([candleEvent('1m', last.payload.candle)], last.payload.emittedAt + 10);
    expect(duplicate).toMatchObject({ updates: [], changes: [] });
    expect(duplicate.counts).toEqual({ candles: 0, skippedCandles: 1, coalesced: 0, snapshots: 0 });
    const older = analyzer.process([candleEvent('1m', btc1m[100]!)], last.payload.emittedAt + 20);
    expect(older).toMatchObject({ updates: [], changes: [] });
    expect(older.counts).toEqual({ candles: 0, skippedCandles: 1, coalesced: 0, snapshots: 0 });
    expectDeepEqual(analyzer.state(), before);
    // In a batch with a new candle: the old one is skipped, the new one analysed.
    const next = candleEvent('1m', btc1m[300]!);
    const mixed = analyzer.process([candleEvent('1m', btc1m[299]!), next], next.payload.emittedAt);
    expect(mixed.counts).toEqual({ candles: 1, skippedCandles: 1, coalesced: 0, snapshots: 0 });
    expect(only(mixed).result.candleTime).toBe(btc1m[300]!.timestamp);
  });
});

describe('MarketAnalyzer rebuild', () => {
  function rebuilt(
    candles: ReadonlyMap<Timeframe, readonly Candle[]>,
    state: AnalyzerState,
    now: number,
  ): MarketAnalyzer {
    const analyzer = newAnalyzer();
    analyzer.rebuild(candles, state, now);
    return analyzer;
  }

  const candlesBefore = (events: readonly CandleEvent[]): Map<Timeframe, Candle[]> => {
    const map = new Map<Timeframe, Candle[]>();
    for (const { payload } of events)
      map.set(payload.timeframe, [...(map.get(payload.timeframe) ?? []), payload.candle]);
    return map;
  };

  it('restores the labels, and state() round-trips (through JSON, as checkpoints carry it)', () => {
    const events = timeline(1_000);
    const analyzer = newAnalyzer();
    feedOneByOne(analyzer, events);
    const state = analyzer.state();
    expect(state.labels['1m']).toBeDefined();
    expect(state.labels['5m']).toBeDefined();
    expect(state.candles).toEqual({ '1m': btc1m[999]!.timestamp, '5m': btc5m[199]!.timestamp });
    const copy = JSON.parse(JSON.stringify(state)) as AnalyzerState;
    const again = rebuilt(candlesBefore(events), copy, events.at(-1)!.payload.emittedAt);
    expectDeepEqual(again.state(), state);
  });

  it('continues a single timeframe exactly as an uninterrupted analyzer (results and label changes)', () => {
    const events = btc1m.slice(0, 1_200).map((c) => candleEvent('1m', c));
    const uninterrupted = newAnalyzer();
    const { outputs: whole, states } = feedRecordingStates(uninterrupted, events);
    for (const cut of [400, 555, 700, 901, 1_100]) {
      const head = events.slice(0, cut);
      const state = states[cut - 1]!;
      const again = rebuilt(candlesBefore(head), state, head.at(-1)!.payload.emittedAt);
      expectDeepEqual(again.state(), state);
      const rest = feedOneByOne(again, events.slice(cut));
      expectDeepEqual(
        rest.map((o) => o.updates.map((u) => headline(u.result))),
        whole.slice(cut).map((o) => o.updates.map((u) => headline(u.result))),
      );
      expectDeepEqual(
        rest.flatMap((o) => o.changes),
        whole.slice(cut).flatMap((o) => o.changes),
      );
    }
  });

  it('gives the same next result as an uninterrupted analyzer with 1m and 5m, rebuilt from all previous candles', () => {
    const events = timeline(1_200);
    const uninterrupted = newAnalyzer();
    const { outputs: whole, states } = feedRecordingStates(uninterrupted, events);
    const mismatches: string[] = [];
    for (const cut of [700, 701, 702, 703, 704, 705, 950, 1_000, 1_201]) {
      const head = events.slice(0, cut);
      const state = states[cut - 1]!;
      const again = rebuilt(candlesBefore(head), state, head.at(-1)!.payload.emittedAt);
      const next = events[cut]!;
      const got = again.process([next], next.payload.emittedAt);
      const want = whole[cut]!;
      const [g, w] = [only(got).result, only(want).result];
      if (g.score !== w.score || g.label !== w.label)
        mismatches.push(
          `cut ${cut} (last ${head.at(-1)!.payload.timeframe}, next ${next.payload.timeframe}): ${g.score} ${g.label} ≠ ${w.score} ${w.label}`,
        );
      expect(got.changes.map((c) => c.from)).toEqual(want.changes.map((c) => c.from));
    }
    expect(mismatches).toEqual([]);
  });
});
