import { describe, expect, it } from '@jest/globals';
import type { ConfluenceEngine, ConfluenceResult, DerivativesSnapshot } from '@app/confluence';
import { DataSource, MarketEventName } from '@app/contracts';
import type { MarketEvent } from './analysis.types.js';
import {
  book,
  bookEvent,
  btc1m,
  candleEvent,
  closeOf,
  feedOneByOne,
  headline,
  key,
  MARKET,
  newAnalyzer,
  only,
  received,
  timeline,
  trades,
  tradesEvent,
  warmed,
} from './testing/analyzer-kit.js';

/**
 * MarketAnalyzer and the snapshots between candles: within a batch, only the newest order book
 * and derivatives snapshot count and every trades batch does; after the last candle, snapshots
 * refresh the results at most once per refresh interval, never changing a label.
 */

function derivatives(timestamp: number, fundingRate: number): DerivativesSnapshot {
  return { timestamp, fundingRate, openInterest: 1_000 + timestamp / 1e9, longShortRatio: 1.2 };
}

function derivativesEvent(snapshot: DerivativesSnapshot): MarketEvent {
  return received(MarketEventName.DerivativesSnapshot, {
    ...MARKET,
    source: DataSource.Replay,
    emittedAt: snapshot.timestamp,
    ...snapshot,
  });
}

describe('MarketAnalyzer batches', () => {
  const candle = btc1m[300]!;
  const at = closeOf('1m', candle);
  const mid = candle.close;

  function engineResult(feed: (engine: ConfluenceEngine) => void): ConfluenceResult {
    const { engine } = warmed(300);
    feed(engine);
    expect(engine.addCandle(key('1m'), candle)).toEqual({ accepted: true });
    const outcome = engine.analyze(key('1m'), at);
    if (outcome.status !== 'ready') throw new Error(outcome.status);
    return outcome.result;
  }

  it('applies only the newest of several order books before a candle', () => {
    const books = [book(at - 3_000, mid, 10, 1), book(at - 2_000, mid, 1, 10), book(at - 1_000, mid, 5, 2)];
    const { analyzer } = warmed(300);
    const output = analyzer.process([...books.map((b) => bookEvent(b)), candleEvent('1m', candle)], at);
    expect(output.counts).toEqual({ candles: 1, skippedCandles: 0, coalesced: 2, snapshots: 1 });
    const result = only(output).result;
    const newestOnly = engineResult((e) => e.updateOrderBook(MARKET, books[2]!));
    expect(headline(result)).toEqual(headline(newestOnly));
    // The book did count: without it (or with the first one) the input differs.
    expect(result.inputHash).not.toBe(engineResult(() => undefined).inputHash);
    expect(result.inputHash).not.toBe(engineResult((e) => e.updateOrderBook(MARKET, books[0]!)).inputHash);
  });

  it('applies only the newest of several derivatives snapshots (the older ones never reach the engine)', () => {
    const snapshots = [
      derivatives(at - 3_000, 0.0001),
      derivatives(at - 2_000, 0.0003),
      derivatives(at - 1_000, -0.0002),
    ];
    const { analyzer } = warmed(300);
    const output = analyzer.process([...snapshots.map(derivativesEvent), candleEvent('1m', candle)], at);
    expect(output.counts).toEqual({ candles: 1, skippedCandles: 0, coalesced: 2, snapshots: 1 });
    const result = only(output).result;
    const newestOnly = engineResult((e) => e.updateDerivatives(MARKET, snapshots[2]!));
    const all = engineResult((e) => {
      for (const s of snapshots) e.updateDerivatives(MARKET, s);
    });
    expect(headline(result)).toEqual(headline(newestOnly));
    expect(result.inputHash).not.toBe(all.inputHash);
  });

  it('coalesces books and derivatives independently', () => {
    const books = [book(at - 4_000, mid, 10, 1), book(at - 2_000, mid, 3, 4)];
    const snaps = [derivatives(at - 3_000, 0.0001), derivatives(at - 1_000, 0.0002)];
    const { analyzer } = warmed(300);
    const events = [
      bookEvent(books[0]!),
      derivativesEvent(snaps[0]!),
      bookEvent(books[1]!),
      derivativesEvent(snaps[1]!),
    ];
    const output = analyzer.process([...events, candleEvent('1m', candle)], at);
    expect(output.counts).toEqual({ candles: 1, skippedCandles: 0, coalesced: 2, snapshots: 2 });
    const want = engineResult((e) => {
      e.updateOrderBook(MARKET, books[1]!);
      e.updateDerivatives(MARKET, snaps[1]!);
    });
    expect(only(output).result.inputHash).toBe(want.inputHash);
  });

  it('applies every trades batch', () => {
    const batches = [
      trades(at - 3_000, mid, 'buy'),
      trades(at - 2_000, mid, 'sell'),
      trades(at - 1_000, mid, 'buy'),
    ];
    const { analyzer } = warmed(300);
    const output = analyzer.process([...batches.map(tradesEvent), candleEvent('1m', candle)], at);
    expect(output.counts).toEqual({ candles: 1, skippedCandles: 0, coalesced: 0, snapshots: 3 });
    const all = engineResult((e) => {
      for (const list of batches) e.addTrades(MARKET, list);
    });
    const lastOnly = engineResult((e) => e.addTrades(MARKET, batches[2]!));
    expect(headline(only(output).result)).toEqual(headline(all));
    expect(all.inputHash).not.toBe(lastOnly.inputHash);
  });

  it('analyses every candle of a batch, each with the books that came before it', () => {
    const events = btc1m.slice(300, 304).map((c) => candleEvent('1m', c));
    const books = [
      book(events[0]!.payload.emittedAt + 1, mid, 4, 1),
      book(events[1]!.payload.emittedAt + 1, mid, 1, 4),
    ];
    const batch = [
      events[0]!,
      bookEvent(books[0]!),
      events[1]!,
      bookEvent(books[1]!),
      events[2]!,
      events[3]!,
    ];
    const { analyzer } = warmed(300);
    const output = analyzer.process(batch, events[3]!.payload.emittedAt);
    expect(output.counts).toEqual({ candles: 4, skippedCandles: 0, coalesced: 0, snapshots: 2 });
    expect(output.updates.map((u) => [u.trigger, u.result.candleTime])).toEqual(
      events.map((e) => ['candle', e.payload.candle.timestamp]),
    );
    const { engine } = warmed(300);
    const now = events[3]!.payload.emittedAt;
    const expected = batch.map((event) => {
      if (event.name === MarketEventName.OrderBookSnapshot) {
        const { timestamp, bids, asks } = event.payload;
        engine.updateOrderBook(MARKET, { timestamp, bids, asks });
        return null;
      }
      if (event.name !== MarketEventName.CandleClosed) throw new Error(event.name);
      engine.addCandle(key('1m'), event.payload.candle);
      const outcome = engine.analyze(key('1m'), now);
      return outcome.status === 'ready' ? headline(outcome.result) : null;
    });
    expect(output.updates.map((u) => headline(u.result))).toEqual(expected.filter((r) => r !== null));
  });
});

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
