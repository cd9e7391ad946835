import { describe, expect, it } from '@jest/globals';
import type { Candle } from '@app/confluence';
import type { Timeframe } from '@app/contracts';
import type { AnalysisOutput, AnalyzerState, MarketEvent } from './analysis.types.js';
import type { MarketAnalyzer } from './market-analyzer.js';
import {
  btc1m,
  btc5m,
  type CandleEvent,
  candleEvent,
  feedOneByOne,
  headline,
  newAnalyzer,
  only,
  timeline,
} from './testing/analyzer-kit.js';

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
    expect(again.state()).toEqual(state);
  });

  it('continues a single timeframe exactly as an uninterrupted analyzer (results and label changes)', () => {
    const events = btc1m.slice(0, 1_200).map((c) => candleEvent('1m', c));
    const uninterrupted = newAnalyzer();
    const { outputs: whole, states } = feedRecordingStates(uninterrupted, events);
    for (const cut of [400, 555, 700, 901, 1_100]) {
      const head = events.slice(0, cut);
      const state = states[cut - 1]!;
      const again = rebuilt(candlesBefore(head), state, head.at(-1)!.payload.emittedAt);
      expect(again.state()).toEqual(state);
      const rest = feedOneByOne(again, events.slice(cut));
      expect(rest.map((o) => o.updates.map((u) => headline(u.result)))).toEqual(
        whole.slice(cut).map((o) => o.updates.map((u) => headline(u.result))),
      );
      expect(rest.flatMap((o) => o.changes)).toEqual(whole.slice(cut).flatMap((o) => o.changes));
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
