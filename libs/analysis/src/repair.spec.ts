import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Connection } from 'mongoose';
import { ResultFormatter } from '@app/confluence';
import {
  MODEL_NAMES,
  type SignalChange,
  type StoredCandle,
  type StoredMarket,
  type StoredResult,
  storedResult,
  type StoreRepositories,
} from '@app/persistence';
import { expectDeepEqual } from '@app/testing';
// By path: the testing index leaves mongoose and the embedded server out.
import { openTestStore, type TestStore } from '../../testing/src/test-store.js';
import { indexedRepositories } from '../../persistence/src/testing/test-repositories.js';
import { storedChange } from './analysis-output.js';
import { type RepairReport, repairResults, repairStoreOf, type RepairRequest } from './repair.js';
import { MARKET, newAnalyzer, timeline } from './testing/analyzer-kit.js';

/**
 * The repair against the real store: an unbroken run of the worker's analyzer over 500 real 1m
 * candles and their 100 5m candles stored everything; then writes are lost (results and label
 * changes deleted in a range, as a dropped batch loses them), and the repair must put back
 * exactly what the unbroken run stored — every field but the times it was computed and stored.
 */

const formatter = new ResultFormatter();
/** Enough for a warm engine, a lost stretch of two hours and ten minutes after it. */
const MINUTES = 500;
const STORED_AT = Date.now();
const M1: StoredMarket = { ...MARKET, timeframe: '1m' };
const M5: StoredMarket = { ...MARKET, timeframe: '5m' };

let store: TestStore;
let connection: Connection;
let repos: StoreRepositories;
/** What the unbroken run stored. */
let reference: { results: StoredResult[]; changes: SignalChange[] };
let allCandles: StoredCandle[];
/** The candle times whose results are lost. */
let from: number;
let to: number;
/** The stored stretch: 40 minutes before the lost one to 10 minutes after it. */
const WINDOW = (): [number, number] => [from - 40 * 60_000, to + 10 * 60_000];

beforeAll(async () => {
  store = await openTestStore();
  connection = await store.connect();
  repos = await indexedRepositories(connection);
  const analyzer = newAnalyzer();
  const results: StoredResult[] = [];
  const changes: SignalChange[] = [];
  const candles: StoredCandle[] = [];
  for (const event of timeline(MINUTES)) {
    const { timeframe, candle, source } = event.payload;
    const { timestamp, open, high, low, close, volume } = candle;
    candles.push({ ...MARKET, timeframe, timestamp, open, high, low, close, volume, source });
    const output = analyzer.process([event], event.payload.emittedAt);
    results.push(...output.updates.map(({ result }) => storedResult(result)));
    changes.push(...output.changes.map(storedChange));
  }
  reference = { results, changes };
  const times = results.filter((r) => r.timeframe === '1m').map((r) => r.candleTime);
  // A lost stretch in the middle: 120 1m results and the 5m results of the same span.
  from = times[300] ?? Number.NaN;
  to = times[419] ?? Number.NaN;
  allCandles = candles;
  await repos.candles.upsertMany(candles);
  // The store holds the results around it (every one would cost seconds to write and read back).
  await storeReference(...WINDOW());
}, 60_000);

afterAll(async () => {
  await store.close();
});

/** Stores what the unbroken run stored for candles opened in [from, to]. */
async function storeReference(from: number, to: number): Promise<void> {
  const within = (time: number): boolean => time >= from && time <= to;
  await repos.results.saveMany(
    reference.results.filter((r) => within(r.candleTime)),
    STORED_AT,
  );
  for (const change of reference.changes.filter((c) => within(c.time)))
    await repos.signals.record(change, STORED_AT);
}

/** Deletes the results and label changes of candles opened in [from, to], as a lost write does. */
async function lose(market: StoredMarket, from: number, to: number): Promise<number> {
  const { exchange, symbol, timeframe } = market;
  const range = { $gte: new Date(from), $lte: new Date(to) };
  await connection.model(MODEL_NAMES.signal).deleteMany({ exchange, symbol, timeframe, time: range });
  const deleted = await connection
    .model(MODEL_NAMES.result)
    .deleteMany({ exchange, symbol, timeframe, candleTime: range });
  return deleted.deletedCount;
}

/** A stored result without the times it was computed and stored, which a repair sets anew. */
function comparable(result: StoredResult): Record<string, unknown> {
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (typeof value !== 'object' || value === null) return value;
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => !['computedAt', 'staleness', 'stalenessMs'].includes(key))
        .map(([key, inner]) => [key, strip(inner)]),
    );
  };
  return strip(result) as Record<string, unknown>;
}

/** Every stored result of the stream, oldest first. */
async function storedResults(market: StoredMarket): Promise<Record<string, unknown>[]> {
  const all: StoredResult[] = [];
  let cursor: string | null | undefined;
  do {
    const page = await repos.results.history({ market, limit: 1_000, ...(cursor ? { cursor } : {}) });
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return all.reverse().map(comparable);
}

const referenceResults = (timeframe: string): Record<string, unknown>[] => {
  const [begin, end] = WINDOW();
  return reference.results
    .filter((r) => r.timeframe === timeframe && r.candleTime >= begin && r.candleTime <= end)
    .map(comparable);
};

const deps = (pageSize = 5_000) => ({
  store: repairStoreOf(repos, Date.now),
  createAnalyzer: () => newAnalyzer(),
  formatter,
  now: Date.now,
  pageSize,
});

describe('repairResults', () => {
  // Each test changes the store within the 40 minutes before the lost stretch and the stretch itself.
  afterEach(async () => {
    await storeReference(from - 40 * 60_000, to);
  });

  it('puts back lost results and label changes exactly as the unbroken run stored them', async () => {
    const lost1m = await lose(M1, from, to);
    const lost5m = await lose(M5, from, to);
    expect(lost1m).toBe(120);
    expect(lost5m).toBeGreaterThanOrEqual(23);
    // From half an hour before the hole: results there are stored and match.
    const start = from - 30 * 60_000;
    const within = (time: number, begin: number) => time >= begin && time <= to;
    const expected = (timeframe: string) => {
      const recomputed = reference.results.filter(
        (r) => r.timeframe === timeframe && within(r.candleTime, start),
      ).length;
      const missing = reference.results.filter(
        (r) => r.timeframe === timeframe && within(r.candleTime, from),
      ).length;
      const changes = reference.changes.filter(
        (c) => c.timeframe === timeframe && within(c.time, from),
      ).length;
      return {
        timeframe,
        recomputed,
        matching: recomputed - missing,
        differing: 0,
        missing,
        changes,
        holes: [],
        missingCandles: 0,
        afterHole: 0,
      };
    };
    expect(expected('1m').changes).toBeGreaterThan(0);

    // A small page size makes each stream's candles come from several reads.
    const request: RepairRequest = { market: MARKET, from: start, to, dryRun: false };
    const report = await repairResults(request, deps(97));

    expect(report.streams).toEqual([expected('1m'), expected('5m')]);
    expect(report.streams.map((s) => s.missing)).toEqual([lost1m, lost5m]);
    // Every stream fed from its first stored candle, up to the close of the last 5m candle opened
    // by \`to\` (and the 1m candles closing before it, which it was scored beside).
    const horizon = to + 5 * 60_000;
    expect(report.candlesFed).toBe(timeline(MINUTES).filter((e) => e.payload.emittedAt <= horizon).length);
    expectDeepEqual(await storedResults(M1), referenceResults('1m'));
    expectDeepEqual(await storedResults(M5), referenceResults('5m'));
    const byTime = (a: SignalChange, b: SignalChange) =>
      a.time - b.time || a.timeframe.localeCompare(b.timeframe);
    const changes = await repos.signals.list({ ...MARKET, limit: 1_000 });
    const [begin, end] = WINDOW();
    expectDeepEqual(
      changes.sort(byTime),
      reference.changes.filter((c) => c.time >= begin && c.time <= end).sort(byTime),
    );
    // Each result put back has its forward-validation sample, written with it.
    const samples = await repos.samples.range(M1, from, to, 1_000);
    expect(samples.map((s) => [s.candleTime, s.score, s.label, s.inputHash])).toEqual(
      reference.results
        .filter((r) => r.timeframe === '1m' && r.candleTime >= from && r.candleTime <= to)
        .map((r) => [r.candleTime, r.score, r.label, r.inputHash]),
    );
  });

  it('writes nothing computed past a lost candle: the engine would not be where the worker was', async () => {
    await lose(M1, from, to);
    await lose(M5, from, to);
    // Ten 1m candles lost too, half an hour into the range (a store down for market-data as well).
    const holeFrom = from + 30 * 60_000;
    const holeTo = holeFrom + 9 * 60_000;
    const lost = (c: StoredCandle): boolean =>
      c.timeframe === '1m' && c.timestamp >= holeFrom && c.timestamp <= holeTo;
    await connection.model(MODEL_NAMES.candle).deleteMany({
      ...M1,
      timestamp: { $gte: new Date(holeFrom), $lte: new Date(holeTo) },
    });
    let report: RepairReport;
    try {
      report = await repairResults({ market: MARKET, from, to, dryRun: false }, deps());
    } finally {
      await repos.candles.upsertMany(allCandles.filter(lost));
    }

    expect(report.hole).toEqual({ timeframe: '1m', time: holeFrom });
    const [m1, m5] = report.streams;
    // 1m: the 30 results before the hole are put back; the 80 after the hole are not written.
    expect(m1).toMatchObject({ recomputed: 30, missing: 30, afterHole: 80, missingCandles: 10 });
    expect(m1?.holes).toEqual([{ from: holeFrom, to: holeTo, count: 10 }]);
    // 5m: the results closing before the first lost 1m candle would have been fed (on a tie the
    // 1m candle goes first).
    const before5m = reference.results.filter(
      (r) => r.timeframe === '5m' && r.candleTime >= from && r.candleTime + 5 * 60_000 < holeFrom + 60_000,
    );
    expect(m5).toMatchObject({ recomputed: before5m.length, missing: before5m.length, missingCandles: 0 });
    const stored = await repos.results.inputHashes(M1, from, to);
    expect([...stored.keys()]).toEqual(
      reference.results
        .filter((r) => r.timeframe === '1m' && r.candleTime >= from && r.candleTime < holeFrom)
        .map((r) => r.candleTime),
    );
    expect([...(await repos.results.inputHashes(M5, from, to)).keys()]).toEqual(
      before5m.map((r) => r.candleTime),
    );
  });

  it('counts a stored result with another input hash and leaves it as it is; a dry run writes nothing', async () => {
    await lose(M1, from, to);
    const altered = reference.results.find((r) => r.timeframe === '1m' && r.candleTime === from - 60_000);
    if (altered === undefined) throw new Error('no result before the hole');
    await repos.results.save({ ...altered, inputHash: 'f'.repeat(64), score: 1 }, STORED_AT);

    const request: RepairRequest = {
      market: MARKET,
      timeframes: ['1m'],
      from: from - 60_000,
      to,
      dryRun: true,
    };
    const dry = await repairResults(request, deps());
    expect(dry.streams).toEqual([
      expect.objectContaining({ timeframe: '1m', recomputed: 121, matching: 0, differing: 1, missing: 120 }),
    ]);
    expect(await repos.results.inputHashes(M1, from, to)).toEqual(new Map());

    const wet = await repairResults({ ...request, dryRun: false }, deps());
    expect(wet.streams).toEqual(dry.streams);
    const hashes = await repos.results.inputHashes(M1, from - 60_000, to);
    expect(hashes.get(from - 60_000)).toBe('f'.repeat(64));
    expect(hashes.size).toBe(121);
    // Run again: nothing is missing any more.
    const again = await repairResults({ ...request, dryRun: false }, deps());
    expect(again.streams).toEqual([
      expect.objectContaining({ recomputed: 121, matching: 120, differing: 1, missing: 0, changes: 0 }),
    ]);
  });

  it('refuses an empty range, a market without candles and a timeframe without candles', async () => {
    const base = { market: MARKET, from: 2, to: 1, dryRun: true };
    await expect(repairResults(base, deps())).rejects.toThrow('the range is empty: from 2 is after to 1');
    await expect(
      repairResults({ ...base, from: 0, market: { exchange: 'kraken', symbol: 'BTC/USD' } }, deps()),
    ).rejects.toThrow('no stored candles of kraken BTC/USD');
    await expect(repairResults({ ...base, from: 0, timeframes: ['1h'] }, deps())).rejects.toThrow(
      'no stored candles of binance BTC/USDT 1h (stored: 1m, 5m)',
    );
  });

  it('reads the stored timeframes shortest first', async () => {
    expect(await repos.candles.timeframes(MARKET.exchange, MARKET.symbol)).toEqual(['1m', '5m']);
    expect(await repos.candles.timeframes('kraken', MARKET.symbol)).toEqual([]);
  });
});
