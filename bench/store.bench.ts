/**
 * Store benchmark (`npm run bench:store`): the repositories through mongoose against the
 * embedded MongoDB-compatible server — 10k result inserts, 1k latest-per-market queries, batched
 * latest-for-many queries and history pages — with per-operation latency. The baseline, run in
 * the same process against the same server, is the official driver doing the same insert and
 * latest query directly, so the ratio is mongoose + repository overhead.
 */
import { performance } from 'node:perf_hooks';
import mongoose from 'mongoose';
import { EmbeddedMongoServer } from '@app/embedded-mongo';
import { COLLECTIONS, createRepositories, type StoredMarket, type StoredResult } from '@app/persistence';

const T0 = Date.UTC(2021, 1, 19);
const MARKETS: StoredMarket[] = Array.from({ length: 10 }, (_, i) => ({
  exchange: 'binance',
  symbol: `C${i}/USDT`,
  timeframe: '1m',
}));
const INSERTS = 10_000;

function result(market: StoredMarket, minute: number): StoredResult {
  return {
    ...market,
    candleTime: T0 + minute * 60_000,
    computedAt: T0 + (minute + 1) * 60_000,
    score: 50 + (minute % 30),
    label: 'NEUTRAL',
    confidence: 30,
    coverage: 0.4,
    staleness: 0,
    engineVersion: '1.0.0',
    configHash: 'c'.repeat(64),
    inputHash: String(minute).padStart(64, '0'),
    format: 1,
    // About the size of a real result's summary fields.
    result: {
      reasoning: 'x'.repeat(200),
      components: Array.from({ length: 6 }, (_, c) => ({ c, score: 50 })),
    },
  };
}

async function timed(count: number, op: (i: number) => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await op(i);
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b);
}

const pct = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
const fmt = (ms: number) => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`);

function report(label: string, sorted: readonly number[], baseline?: readonly number[]): void {
  const ratio =
    baseline === undefined ? '' : `   ${(pct(sorted, 0.5) / pct(baseline, 0.5)).toFixed(2)}× driver p50`;
  console.log(
    `${label.padEnd(46)} p50 ${fmt(pct(sorted, 0.5)).padStart(9)}   p99 ${fmt(pct(sorted, 0.99)).padStart(9)}${ratio}`,
  );
}

const server = await EmbeddedMongoServer.start({ port: 0 });
const connection = await mongoose.createConnection(server.uri, { dbName: 'bench' }).asPromise();
try {
  const repos = createRepositories(connection, {
    resultsRetentionDays: 30,
    signalsRetentionDays: 365,
    orderBookRetentionDays: 90,
  });
  await Promise.all(repos.models.map((m) => m.init()));
  const raw = connection.db?.collection('raw_results');
  if (raw === undefined) throw new Error('no database handle');
  await raw.createIndexes([
    { key: { exchange: 1, symbol: 1, timeframe: 1, candleTime: -1 }, unique: true, name: 'market_time' },
  ]);

  const perMarket = INSERTS / MARKETS.length;
  const at = (i: number) => ({
    market: MARKETS[i % MARKETS.length] as StoredMarket,
    minute: Math.floor(i / MARKETS.length),
  });
  const driverInserts = await timed(INSERTS, (i) => {
    const { market, minute } = at(i);
    const r = result(market, minute);
    return raw.insertOne({
      ...r,
      candleTime: new Date(r.candleTime),
      computedAt: new Date(r.computedAt),
      storedAt: new Date(),
    });
  });
  const inserts = await timed(INSERTS, (i) => {
    const { market, minute } = at(i);
    return repos.results.save(result(market, minute), Date.now());
  });
  const driverLatest = await timed(1000, (i) => {
    const m = MARKETS[i % MARKETS.length] as StoredMarket;
    return raw
      .find({ exchange: m.exchange, symbol: m.symbol, timeframe: m.timeframe })
      .sort({ candleTime: -1 })
      .limit(1)
      .next();
  });
  const latest = await timed(1000, (i) => repos.results.latest(MARKETS[i % MARKETS.length] as StoredMarket));
  const many = await timed(100, () => repos.results.latestForMarkets(MARKETS));
  const pages: number[] = [];
  let cursor: string | undefined;
  let read = 0;
  do {
    const start = performance.now();
    const page = await repos.results.history({
      market: MARKETS[0] as StoredMarket,
      limit: 100,
      ...(cursor === undefined ? {} : { cursor }),
    });
    pages.push(performance.now() - start);
    read += page.items.length;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  pages.sort((a, b) => a - b);
  const count = await connection.collection(COLLECTIONS.results).countDocuments();
  if (count !== INSERTS || read !== perMarket)
    throw new Error(`expected ${INSERTS} stored / ${perMarket} paged, got ${count} / ${read}`);

  console.log(
    `store benchmark — embedded server, ${INSERTS} results over ${MARKETS.length} markets, through mongoose\n`,
  );
  report('driver insertOne (baseline)', driverInserts);
  report('ResultRepository.save (upsert)', inserts, driverInserts);
  report('driver find latest (baseline)', driverLatest);
  report('ResultRepository.latest × 1000', latest, driverLatest);
  report(`latestForMarkets(${MARKETS.length} markets) × 100`, many);
  report(`history pages of 100 (${pages.length} pages)`, pages);
} finally {
  await connection.close();
  await server.stop();
}
