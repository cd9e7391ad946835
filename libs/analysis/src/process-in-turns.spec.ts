import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from '@jest/globals';
import { MarketEventName } from '@app/contracts';
import { expectDeepEqual } from '@app/testing';
import type { MarketEvent } from './analysis.types.js';
import { processInTurns, processUntilStopped } from './process-in-turns.js';
import {
  book,
  bookEvent,
  btc1m,
  newAnalyzer,
  timeline,
  trades,
  tradesEvent,
} from './testing/analyzer-kit.js';

/**
 * processInTurns: a long batch analysed in turns, with the event loop free between them, gives
 * exactly what one synchronous process() call gives.
 */

/** 1m and 5m candles with an order book and a trades batch before each 1m candle, and a book after the last. */
function busyMarket(minutes: number): MarketEvent[] {
  const events: MarketEvent[] = [];
  for (const candle of timeline(minutes)) {
    if (candle.payload.timeframe === '1m') {
      const at = candle.payload.emittedAt;
      const mid = candle.payload.candle.close;
      events.push(bookEvent(book(at - 2_000, mid, 3, 2)));
      events.push(tradesEvent(trades(at - 1_500, mid, at % 2 === 0 ? 'buy' : 'sell')));
    }
    events.push(candle);
  }
  const last = btc1m[minutes - 1];
  if (last !== undefined) events.push(bookEvent(book(last.timestamp + 90_000, last.close, 1, 4)));
  return events;
}

describe('processInTurns', () => {
  it.each([1, 3, 8, 1000])(
    'with %i candle(s) a turn, gives exactly what one process() call gives',
    async (perTurn) => {
      const events = busyMarket(320);
      const now = (events.at(-1)?.payload.emittedAt ?? 0) + 60_000;
      const whole = newAnalyzer();
      const inTurns = newAnalyzer();

      const expected = whole.process(events, now);
      const output = await processInTurns(inTurns, events, now, perTurn);

      expect(expected.updates.length).toBeGreaterThan(100);
      expect(expected.updates.some((u) => u.trigger === 'refresh')).toBe(true);
      expectDeepEqual(output, expected);
      expectDeepEqual(inTurns.state(), whole.state());
      expect(JSON.stringify(inTurns.snapshot().engine)).toBe(JSON.stringify(whole.snapshot().engine));
    },
  );

  it('leaves the event loop free between turns (a lease renewal is not held up by a long batch)', async () => {
    const events = busyMarket(240);
    let turns = 0;
    let counting = true;
    const count = async (): Promise<void> => {
      while (counting) {
        turns++;
        await nextTurn();
      }
    };
    const counter = count();

    await processInTurns(newAnalyzer(), events, 0, 8);
    const during = turns;
    counting = false;
    await counter;

    // 240 1m and 48 5m candles: 36 turns of 8, each letting other callbacks run.
    expect(during).toBeGreaterThanOrEqual(30);
  });

  it('stops between two turns once aborted: what it processed equals one process() call over those events', async () => {
    const events = busyMarket(320);
    const now = (events.at(-1)?.payload.emittedAt ?? 0) + 60_000;
    const stop = new AbortController();
    const stopping = newAnalyzer();
    const process = stopping.process.bind(stopping);
    let turns = 0;
    // Aborted during the 30th turn (past the warm-up): that turn completes, no 31st begins.
    stopping.process = (batch, at) => {
      if (++turns === 30) stop.abort();
      return process(batch, at);
    };

    const { output, processed } = await processUntilStopped(stopping, events, now, {
      candlesPerTurn: 8,
      stop: stop.signal,
    });

    expect(turns).toBe(30);
    // Right after the 240th closed candle, with nothing of the next one taken.
    const candles = events.slice(0, processed).filter((e) => e.name === MarketEventName.CandleClosed);
    expect(candles).toHaveLength(240);
    expect(output.updates.length).toBeGreaterThan(20);
    expect(events[processed - 1]?.name).toBe(MarketEventName.CandleClosed);
    const whole = newAnalyzer();
    expectDeepEqual(output, whole.process(events.slice(0, processed), now));
    expectDeepEqual(stopping.state(), whole.state());
    // Not aborted, it goes to the end like processInTurns.
    const untouched = await processUntilStopped(newAnalyzer(), events, now, {
      stop: new AbortController().signal,
    });
    expect(untouched.processed).toBe(events.length);
  });

  it('handles a batch with no candle, and an empty one', async () => {
    const analyzer = newAnalyzer();
    const onlyBook = [bookEvent(book(1_000, 100, 1, 1))];
    await expect(processInTurns(analyzer, onlyBook, 0)).resolves.toMatchObject({
      updates: [],
      counts: { candles: 0, snapshots: 1 },
    });
    await expect(processInTurns(analyzer, [], 0)).resolves.toMatchObject({ updates: [], changes: [] });
  });
});
