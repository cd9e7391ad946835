import { describe, expect, it } from '@jest/globals';
import {
  book,
  bookEvent,
  btc1m,
  candleEvent,
  feedOneByOne,
  newAnalyzer,
  only,
  timeline,
  trades,
  tradesEvent,
  warmed,
} from './testing/analyzer-kit.js';

describe('MarketAnalyzer refreshes', () => {
  it('refreshes on snapshots after the last candle, at most once per refreshIntervalMs', () => {
    const { analyzer, last } = warmed(300);
    const t0 = last.payload.emittedAt;
    const mid = last.payload.candle.close;
    const refreshedAt: number[] = [];
    for (let i = 0; i < 24; i++) {
      const now = t0 + 1_000 + i * 1_000;
      const event =
        i % 2 === 0 ? bookEvent(book(now - 10, mid, 1 + i, 2)) : tradesEvent(trades(now - 10, mid, 'buy'));
      const output = analyzer.process([event], now);
      expect(output.changes).toEqual([]);
      if (output.updates.length === 0) continue;
      const update = only(output);
      expect(update).toMatchObject({
        trigger: 'refresh',
        source: 'replay',
        inputEmittedAt: event.payload.emittedAt,
      });
      expect(update.result.candleTime).toBe(last.payload.candle.timestamp);
      refreshedAt.push(now);
    }
    expect(refreshedAt).toEqual([t0 + 1_000, t0 + 6_000, t0 + 11_000, t0 + 16_000, t0 + 21_000]);
  });

  it('does not refresh when the batch ends with a candle, and refreshes every warm timeframe otherwise', () => {
    const events = timeline(1_200);
    const analyzer = newAnalyzer();
    feedOneByOne(analyzer, events);
    const last = events.at(-1)!.payload;
    const mid = last.candle.close;
    const next = candleEvent('1m', btc1m[1_200]!);
    const ending = analyzer.process(
      [bookEvent(book(last.emittedAt + 1, mid, 2, 1)), next],
      next.payload.emittedAt,
    );
    expect(ending.updates.map((u) => u.trigger)).toEqual(['candle']);
    const refresh = analyzer.process(
      [bookEvent(book(next.payload.emittedAt + 1, mid, 1, 2))],
      next.payload.emittedAt + 1,
    );
    expect(refresh.updates.map((u) => [u.trigger, u.result.timeframe])).toEqual([
      ['refresh', '1m'],
      ['refresh', '5m'],
    ]);
    expect(refresh.changes).toEqual([]);
  });

  it('never changes a label on a refresh: the next candle’s change is from the last candle’s label', () => {
    // Look for a moment where a lopsided book and one-sided flow move the label between candles.
    for (let minutes = 300; minutes < 1_400; minutes += 7) {
      for (const side of ['buy', 'sell'] as const) {
        const { analyzer, last } = warmed(minutes);
        const label = analyzer.state().labels['1m'];
        const t = last.payload.emittedAt;
        const mid = last.payload.candle.close;
        const [bids, asks] = side === 'buy' ? [500, 1] : [1, 500];
        const events = [bookEvent(book(t + 1, mid, bids, asks)), tradesEvent(trades(t + 2, mid, side, 50))];
        const refresh = analyzer.process(events, t + 100);
        const refreshed = only(refresh);
        if (refreshed.result.label === label) continue;
        expect(refreshed.trigger).toBe('refresh');
        expect(refresh.changes).toEqual([]);
        expect(analyzer.state().labels['1m']).toBe(label);
        const next = analyzer.process([candleEvent('1m', btc1m[minutes]!)], t + 60_000);
        const result = only(next).result;
        expect(next.changes).toEqual(
          result.label === label ? [] : [expect.objectContaining({ from: label, to: result.label })],
        );
        return;
      }
    }
    throw new Error('no refresh moved the label: the test found nothing to check');
  });
});
