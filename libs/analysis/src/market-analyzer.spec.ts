import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '@app/config';
import {
  type Candle,
  type ConfluenceEngine,
  type ConfluenceResult,
  createConfluenceEngine,
  type DerivativesSnapshot,
  type MarketKey,
  type OrderBookSnapshot,
  type Trade,
} from '@app/confluence';
import {
  type BusEventData,
  DataSource,
  MarketEventName,
  type Signal,
  type Timeframe,
  timeframeToMs,
  validateBusEvent,
} from '@app/contracts';
import { loadMarketCandles, MARKET_FILES, PROJECT_CONFIG_DIR } from '@app/testing';
import type {
  AnalysisOutput,
  AnalysisUpdate,
  AnalyzerState,
  LabelChange,
  MarketEvent,
} from './analysis.types.js';
import { MarketAnalyzer } from './market-analyzer.js';

const config = loadConfig({ env: { CONFIG_DIR: PROJECT_CONFIG_DIR } });
const newEngine = (): ConfluenceEngine =>
  createConfluenceEngine({ indicators: config.indicators, weights: config.weights });

const MARKET = { exchange: 'binance', symbol: 'BTC/USDT' } as const;
const REFRESH_MS = 5_000;
const key = (timeframe: Timeframe): MarketKey => ({ ...MARKET, timeframe });
const newAnalyzer = (engine: ConfluenceEngine = newEngine()): MarketAnalyzer =>
  new MarketAnalyzer(MARKET, engine, { refreshIntervalMs: REFRESH_MS });

const btc1m = loadMarketCandles(MARKET_FILES.btc1m, 1_500);
const btc5m = loadMarketCandles(MARKET_FILES.btc5m, 300);

type CandleEvent = Extract<MarketEvent, { name: typeof MarketEventName.CandleClosed }>;

const closeOf = (timeframe: Timeframe, candle: Candle): number => candle.timestamp + timeframeToMs(timeframe);

/** A market event as the worker receives it: validated by the bus, so its payload is an instance of its class. */
function received<N extends MarketEventName>(name: N, data: BusEventData<N>): MarketEvent {
  const validated = validateBusEvent(name, data);
  if (!validated.ok) throw new Error(`${name}: ${validated.errors.join('; ')}`);
  return { name, payload: validated.value } as MarketEvent;
}

function candleEvent(
  timeframe: Timeframe,
  candle: Candle,
  emittedAt = closeOf(timeframe, candle),
): CandleEvent {
  const event = received(MarketEventName.CandleClosed, {
    ...MARKET,
    timeframe,
    source: DataSource.Replay,
    emittedAt,
    candle: { ...candle },
  });
  if (event.name !== MarketEventName.CandleClosed) throw new Error(event.name);
  return event;
}

function book(timestamp: number, mid: number, bidSize: number, askSize: number): OrderBookSnapshot {
  return {
    timestamp,
    bids: [1, 2, 3, 4, 5].map((i) => ({ price: mid - i, size: bidSize })),
    asks: [1, 2, 3, 4, 5].map((i) => ({ price: mid + i, size: askSize })),
  };
}

function bookEvent(snapshot: OrderBookSnapshot, emittedAt = snapshot.timestamp): MarketEvent {
  return received(MarketEventName.OrderBookSnapshot, {
    ...MARKET,
    source: DataSource.Replay,
    emittedAt,
    ...snapshot,
  });
}

function trades(from: number, price: number, side: 'buy' | 'sell', count = 5): Trade[] {
  return Array.from({ length: count }, (_, i) => ({ timestamp: from + i, price, size: 1 + i, side }));
}

function tradesEvent(list: readonly Trade[]): MarketEvent {
  const emittedAt = list.at(-1)?.timestamp ?? 0;
  return received(MarketEventName.TradesBatch, {
    ...MARKET,
    source: DataSource.Replay,
    emittedAt,
    trades: list,
  });
}

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

/** 1m and 5m candles of the same days, in the order they close (on a tie the 1m candle first). */
function timeline(minutes: number): CandleEvent[] {
  const events = [
    ...btc1m.slice(0, minutes).map((c) => candleEvent('1m', c)),
    ...btc5m.slice(0, Math.floor(minutes / 5)).map((c) => candleEvent('5m', c)),
  ];
  return events.sort(
    (a, b) =>
      a.payload.emittedAt - b.payload.emittedAt ||
      timeframeToMs(a.payload.timeframe) - timeframeToMs(b.payload.timeframe),
  );
}

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

/** One event per batch, `now` = the event's emission. */
function feedOneByOne(analyzer: MarketAnalyzer, events: readonly MarketEvent[]): AnalysisOutput[] {
  return events.map((event) => analyzer.process([event], event.payload.emittedAt));
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

const headline = (r: ConfluenceResult) => ({
  timeframe: r.timeframe,
  candleTime: r.candleTime,
  score: r.score,
  label: r.label,
  inputHash: r.inputHash,
  configHash: r.configHash,
});

function only(output: AnalysisOutput): AnalysisUpdate {
  expect(output.updates).toHaveLength(1);
  return output.updates[0]!;
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

const warmed = (
  minutes: number,
): { analyzer: MarketAnalyzer; engine: ConfluenceEngine; last: CandleEvent } => {
  const engine = newEngine();
  const analyzer = newAnalyzer(engine);
  const events = btc1m.slice(0, minutes).map((c) => candleEvent('1m', c));
  feedOneByOne(analyzer, events);
  return { analyzer, engine, last: events.at(-1)! };
};

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
    expect(analyzer.state()).toEqual(before);
    // In a batch with a new candle: the old one is skipped, the new one analysed.
    const next = candleEvent('1m', btc1m[300]!);
    const mixed = analyzer.process([candleEvent('1m', btc1m[299]!), next], next.payload.emittedAt);
    expect(mixed.counts).toEqual({ candles: 1, skippedCandles: 1, coalesced: 0, snapshots: 0 });
    expect(only(mixed).result.candleTime).toBe(btc1m[300]!.timestamp);
  });
});

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
