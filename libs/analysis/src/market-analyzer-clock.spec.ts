import { describe, expect, it } from '@jest/globals';
import type { Candle, ConfluenceResult } from '@app/confluence';
import type { Timeframe } from '@app/contracts';
import { expectDeepEqual } from '@app/testing';
import type { AnalysisOutput, MarketEvent } from './analysis.types.js';
import type { MarketAnalyzer } from './market-analyzer.js';
import { book, bookEvent, newAnalyzer, timeline } from './testing/analyzer-kit.js';

/**
 * Replayed candles are analysed on the data clock: a result is as of the latest candle close the
 * market has reached, not of the wall clock years later. Proven against the reference that is right
 * by construction — the wall-clock analyzer run as if live, `now` = each candle's close — field by
 * field, whole results included.
 */

/** Years after the bundled candles (2021): the wall clock of a replay today. */
const WALL_NOW = Date.UTC(2026, 11, 7, 16, 0, 0);

const results = (outputs: readonly AnalysisOutput[]): ConfluenceResult[] =>
  outputs.flatMap((output) => output.updates.map((update) => update.result));

function feedAt(analyzer: MarketAnalyzer, events: readonly MarketEvent[], now: (e: MarketEvent) => number) {
  return events.map((event) => analyzer.process([event], now(event)));
}

describe('MarketAnalyzer on the data clock (replay)', () => {
  const events = timeline(600);

  it('gives, with the wall clock years ahead, exactly the results of a live run at each close', () => {
    const replayed = results(feedAt(newAnalyzer(undefined, 'data'), events, () => WALL_NOW));
    const live = results(feedAt(newAnalyzer(), events, (event) => event.payload.emittedAt));

    expect(replayed.length).toBeGreaterThan(300);
    expectDeepEqual(replayed, live);
    // Read as live: as of its own candle's close, no older than the 5m reading beside it.
    for (const result of replayed) {
      expect(result.computedAt).toBe(result.candleTime + (result.timeframe === '1m' ? 60_000 : 300_000));
      expect(result.staleness).toBeLessThanOrEqual(5 * 60_000);
    }
  });

  it('is what fixes the wall clock: the same replay on it reads as years stale', () => {
    const onWall = results(feedAt(newAnalyzer(), events, () => WALL_NOW));

    expect(Math.min(...onWall.map((result) => result.staleness))).toBeGreaterThan(5 * 365 * 86_400_000);
  });

  it('continues after a rebuild exactly as an uninterrupted run, staleness and computedAt included', () => {
    const whole = feedAt(newAnalyzer(undefined, 'data'), events, () => WALL_NOW);
    for (const cut of [400, 403, 505]) {
      const head = events.slice(0, cut);
      const atCut = newAnalyzer(undefined, 'data');
      feedAt(atCut, head, () => WALL_NOW);
      const candles = new Map<Timeframe, Candle[]>();
      for (const { payload } of head)
        candles.set(payload.timeframe, [...(candles.get(payload.timeframe) ?? []), payload.candle]);
      const again = newAnalyzer(undefined, 'data');
      // Rebuilt (by a worker taking the market over) later still by the wall clock.
      again.rebuild(candles, atCut.state(), WALL_NOW + 123_456);

      const rest = feedAt(again, events.slice(cut), () => WALL_NOW + 999_999);
      expectDeepEqual(results(rest), results(whole.slice(cut)));
    }
  });

  it('stamps a refresh on book data with the latest close reached, whatever the wall clock says', () => {
    const analyzer = newAnalyzer(undefined, 'data');
    feedAt(analyzer, events, () => WALL_NOW);
    const last = events.at(-1)!;
    const close = last.payload.emittedAt;

    const refreshed = analyzer.process(
      [bookEvent(book(close + 2_000, last.payload.candle.close, 3, 1))],
      WALL_NOW,
    );

    // Every warm timeframe is re-scored on the fresher book, each as of the latest close.
    expect(refreshed.updates.map((update) => [update.trigger, update.result.timeframe])).toEqual([
      ['refresh', '1m'],
      ['refresh', '5m'],
    ]);
    for (const { result } of refreshed.updates) {
      expect(result.computedAt).toBe(close);
      expect(result.staleness).toBeLessThanOrEqual(5 * 60_000);
    }
  });
});
