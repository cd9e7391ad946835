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
  headline,
  key,
  MARKET,
  only,
  received,
  trades,
  tradesEvent,
  warmed,
} from './testing/analyzer-kit.js';

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
    const newestOnly = engineResult((e) => e.orchestrator.updateOrderBook(MARKET, books[2]!));
    expect(headline(result)).toEqual(headline(newestOnly));
    // The book did count: without it (or with the first one) the input differs.
    expect(result.inputHash).not.toBe(engineResult(() => undefined).inputHash);
    expect(result.inputHash).not.toBe(
      engineResult((e) => e.orchestrator.updateOrderBook(MARKET, books[0]!)).inputHash,
    );
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
    const newestOnly = engineResult((e) => e.orchestrator.updateDerivatives(MARKET, snapshots[2]!));
    const all = engineResult((e) => {
      for (const s of snapshots) e.orchestrator.updateDerivatives(MARKET, s);
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
      e.orchestrator.updateOrderBook(MARKET, books[1]!);
      e.orchestrator.updateDerivatives(MARKET, snaps[1]!);
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
      for (const list of batches) e.orchestrator.addTrades(MARKET, list);
    });
    const lastOnly = engineResult((e) => e.orchestrator.addTrades(MARKET, batches[2]!));
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
        engine.orchestrator.updateOrderBook(MARKET, { timestamp, bids, asks });
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
