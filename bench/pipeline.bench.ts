/**
 * Pipeline benchmark (`npm run bench:pipeline`): real candles replayed through the whole live
 * path — market-data's ReplaySource → bus → analysis worker → store (embedded server, through
 * mongoose) and `confluence.updated` on the bus — wired as apps/analysis-worker does it, without
 * Nest, and measured against the engine alone in the same process:
 * - local: InProcessEventBus → LocalAnalysis → StoreAndBusSink;
 * - redis: RedisEventBus (XADD + PUBLISH) → DistributedAnalysis (leases, XREAD, atomic commit) →
 *   a second RedisEventBus receiving `confluence.updated` (Redis at REDIS_URL, else 127.0.0.1:6379).
 * Each path runs two phases on the same worker: the bulk of the candles at replay speed `max`
 * (throughput: candles / time until the last result is stored), then the next PACED candles of
 * each market one at a time (a live feed: the pipeline idle when a candle closes). Latency =
 * `confluence.updated` received − candle handed to the bus (performance.now()), per result. The
 * budget is DESIGN.md's live update: new closed candle → new score published, in-process, p99 ≤
 * 2 ms per market. Everything shares this process and its event loop, the embedded store included
 * (as in local mode), so on the Redis path the store's CPU lands in the latencies too.
 * By default the first 2200 candles of each file (under a minute on 2 cores, mostly store
 * writes); `npm run bench:pipeline -- --candles=all` replays the whole files (~13k candles).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import {
  type CandleHistory,
  DistributedAnalysis,
  LocalAnalysis,
  MarketAnalyzer,
  StoreAndBusSink,
} from '@app/analysis';
import {
  BusConnections,
  InProcessEventBus,
  MarketLeases,
  RedisEventBus,
  RedisKeys,
  RedisMarketLog,
} from '@app/bus';
import { type ConfluenceConfig, loadConfig } from '@app/config';
import { createConfluenceEngine, parseCandleCsv, ResultFormatter, warmupCandlesFor } from '@app/confluence';
import { AnalysisEventName, marketId, type Timeframe } from '@app/contracts';
import { EmbeddedMongoServer } from '@app/embedded-mongo';
import { parseReplayFileName, type ReplayFile } from '@app/market';
import { BenchLogger, LatencyProbe } from './pipeline-probe.js';
import { print } from './pipeline-report.js';
import {
  type Context,
  type Figures,
  openStore,
  PACED_GAP_MS,
  type Phase,
  type Rig,
  runPhase,
  storeWriter,
  total,
} from './pipeline-rig.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FILES = ['BTC-USDT_1m_2021-02-19_binance.csv', 'LTC-USDT_1m_2020-11-08_binance.csv'] as const;
/** Where Redis is when REDIS_URL (read through @app/config) is not set. */
const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
/** Candles per market in the paced phase (the last ones of the selection). */
const PACED = 200;
const CANDLES_PER_FILE = candlesPerFile(
  process.argv.find((arg) => arg.startsWith('--candles='))?.slice('--candles='.length),
);

function candlesPerFile(setting: string | undefined): number {
  if (setting === undefined || setting === '') return 2200;
  if (setting === 'all') return Infinity;
  const value = Number(setting);
  if (!Number.isInteger(value) || value <= PACED + 500)
    throw new Error(`--candles: "${setting}" is not a count above ${PACED + 500}`);
  return value;
}

function replayFiles(): ReplayFile[] {
  return FILES.map((name) => {
    const market = parseReplayFileName(name);
    if (market === null) throw new Error(`${name}: not a replay file name`);
    return { ...market, path: path.join(ROOT, 'data', name) };
  });
}

/** Each file's selected candle lines split into the two phases: [header, bulk lines, paced lines]. */
function splitFile(file: ReplayFile): { header: string; bulk: string[]; paced: string[] } {
  const [header = '', ...lines] = readFileSync(file.path, 'utf8').trim().split('\n');
  const selected = lines.slice(0, Math.min(CANDLES_PER_FILE, lines.length));
  return { header, bulk: selected.slice(0, -PACED), paced: selected.slice(-PACED) };
}

/**
 * The engine alone: addCandle + analyze per candle over the same candles, one engine per market as
 * the worker holds them; also counts the results each phase must produce.
 */
function engineBaseline(
  config: ConfluenceConfig,
  files: readonly ReplayFile[],
): { figures: Figures; phases: [Phase, Phase] } {
  const latencies: number[] = [];
  const texts = { max: new Map<string, string>(), paced: new Map<string, string>() };
  const expected = { max: 0, paced: 0 };
  const candles = { max: 0, paced: 0 };
  let total = 0;
  for (const file of files) {
    const { header, bulk, paced } = splitFile(file);
    texts.max.set(file.path, [header, ...bulk].join('\n'));
    texts.paced.set(file.path, [header, ...paced].join('\n'));
    const engine = createConfluenceEngine({ indicators: config.indicators, weights: config.weights });
    const market = { exchange: file.exchange, symbol: file.symbol, timeframe: file.timeframe };
    for (const phase of ['max', 'paced'] as const) {
      const parsed = parseCandleCsv(texts[phase].get(file.path) ?? '');
      if (!parsed.ok) throw new Error(`${file.path}: line ${parsed.line}: ${parsed.message}`);
      const start = performance.now();
      for (const candle of parsed.candles) {
        const before = performance.now();
        const fed = engine.addCandle(market, candle);
        if (!fed.accepted) throw new Error(`engine refused a candle of ${file.path}: ${fed.detail}`);
        if (engine.analyze(market, Date.now()).status === 'ready') expected[phase]++;
        latencies.push(performance.now() - before);
      }
      total += performance.now() - start;
      candles[phase] += parsed.candles.length;
    }
  }
  const figures: Figures = {
    label: 'engine alone (addCandle + analyze)',
    candles: candles.max + candles.paced,
    seconds: total / 1000,
    latencies: latencies.sort((a, b) => a - b),
    stored: null,
    notes: [],
  };
  const phase = (name: 'max' | 'paced', speed: number | 'max'): Phase => ({
    name,
    speed,
    texts: texts[name],
    candles: candles[name],
    expected: expected[name],
  });
  // Paced: one 1m candle per market every PACED_GAP_MS of wall time.
  return { figures, phases: [phase('max', 'max'), phase('paced', 60_000 / PACED_GAP_MS)] };
}

/** Local mode: everything in this process, the bus awaiting the worker (its backpressure). */
async function runLocal(ctx: Context, storeUri: string): Promise<Figures[]> {
  const logger = new BenchLogger();
  const { connection, repos } = await openStore(ctx.config, storeUri, 'bench_local');
  try {
    const bus = new InProcessEventBus(logger);
    const writer = storeWriter(ctx.config, logger);
    const now = (): number => Date.now();
    const sink = new StoreAndBusSink({
      writer,
      results: repos.results,
      signals: repos.signals,
      samples: repos.samples,
      bus,
      formatter: ctx.formatter,
      now,
    });
    const worker = new LocalAnalysis({
      bus,
      sink,
      createAnalyzer: ctx.createAnalyzer,
      now,
      logger,
      logUpdates: false,
    });
    const probe = { current: new LatencyProbe() };
    worker.start();
    bus.subscribe(AnalysisEventName.ConfluenceUpdated, (payload) => {
      probe.current.received(payload);
    });
    const rig: Rig = {
      label: 'local: in-process bus → worker → store',
      connection,
      writer,
      logger,
      publisher: bus,
      probe,
      workerNote: () => {
        const c = worker.status().counters;
        return `worker: ${c.candles} candles, ${c.results} results, ${c.storeRefused} store-refused; bus rejected ${total(bus.stats().rejected)}`;
      },
    };
    const figures: Figures[] = [];
    for (const phase of ctx.phases) figures.push(await runPhase(ctx, rig, phase));
    worker.stop();
    return figures;
  } finally {
    await connection.close();
  }
}

/** Distributed mode through real Redis, the three roles in this process on connections of their own. */
async function runRedis(ctx: Context, storeUri: string): Promise<Figures[]> {
  const logger = new BenchLogger();
  const { app, environment } = ctx.config;
  const keys = new RedisKeys(`bench-${randomUUID()}`);
  // One BusConnections per process of a distributed deployment: market-data, analysis-worker, gateway.
  const roles = [0, 1, 2].map(
    () => new BusConnections(environment.redisUrl ?? DEFAULT_REDIS_URL, keys, app.bus.streamMaxLength),
  );
  const [marketData, workerLinks, gateway] = roles as [BusConnections, BusConnections, BusConnections];
  const { connection, repos } = await openStore(ctx.config, storeUri, 'bench_redis');
  const driver: { current: DistributedAnalysis | null; leases: MarketLeases | null } = {
    current: null,
    leases: null,
  };
  const writer = storeWriter(ctx.config, logger);
  try {
    await gateway.commands().ping();
    const busOf = (links: BusConnections): RedisEventBus =>
      new RedisEventBus({
        publisher: links.commands(),
        subscriber: links.open('subscriber'),
        keys,
        streamMaxLength: app.bus.streamMaxLength,
        logger,
      });
    const consumerBus = busOf(gateway);
    const probe = { current: new LatencyProbe() };
    consumerBus.subscribe(AnalysisEventName.ConfluenceUpdated, (payload) => {
      probe.current.received(payload);
    });
    await consumerBus.ready();

    // As AnalysisWorkerService wires it (apps/analysis-worker/src/analysis-worker.service.ts).
    const workerId = `bench-worker-${randomUUID().slice(0, 8)}`;
    const now = (): number => Date.now();
    const sink = new StoreAndBusSink({
      writer,
      results: repos.results,
      signals: repos.signals,
      samples: repos.samples,
      bus: busOf(workerLinks),
      formatter: ctx.formatter,
      now,
    });
    const timeframes = new Map<string, readonly Timeframe[]>();
    for (const file of ctx.files) {
      const id = marketId(file);
      timeframes.set(id, [...(timeframes.get(id) ?? []), file.timeframe]);
    }
    const history: CandleHistory = {
      candlesUntil: async (market, timeframe, until, count) =>
        (await repos.candles.latest({ ...market, timeframe }, count, until)).map(
          ({ timestamp, open, high, low, close, volume }) => ({ timestamp, open, high, low, close, volume }),
        ),
    };
    const commands = workerLinks.commands();
    const worker = new DistributedAnalysis(
      {
        workerId,
        batchSize: app.analysis.batchSize,
        blockMs: app.analysis.blockMs,
        rebuildCandles: warmupCandlesFor(ctx.config.indicators),
        snapshotEveryCandles: app.analysis.snapshotEveryCandles,
        timeframesOf: (market) => timeframes.get(marketId(market)) ?? [],
        logUpdates: false,
      },
      {
        log: new RedisMarketLog({ commands, reader: workerLinks.open('log-reader'), keys }),
        ownership: (callbacks) => {
          driver.leases = new MarketLeases({
            redis: commands,
            prefix: keys.prefix,
            workerId,
            markets: ctx.markets,
            ttlMs: app.analysis.leaseTtlMs,
            logger,
            ...callbacks,
          });
          return driver.leases;
        },
        history,
        snapshots: repos.snapshots,
        sink,
        formatter: ctx.formatter,
        createAnalyzer: ctx.createAnalyzer,
        now,
        logger,
      },
    );
    driver.current = worker;
    worker.start();
    const leaseDeadline = performance.now() + 10_000;
    while ((driver.leases?.status().owned.length ?? 0) < ctx.markets.length) {
      if (performance.now() > leaseDeadline)
        throw new Error('the worker did not acquire every market in 10 s');
      await delay(10);
    }
    // The worker's loop may be in its idle wait (no market held yet): let it reach a blocking XREAD.
    await delay(app.analysis.blockMs + 100);

    const rig: Rig = {
      label: 'redis: XADD → XREAD worker → commit/PUBLISH',
      connection,
      writer,
      logger,
      publisher: busOf(marketData),
      probe,
      workerNote: () => {
        const s = worker.status();
        return (
          `worker: ${s.counters.candles} candles, ${s.counters.results} results, ${s.lostCommits} lost commits, ` +
          `${s.counters.storeRefused} store-refused; bus rejected ${total(consumerBus.stats().rejected)}`
        );
      },
    };
    const figures: Figures[] = [];
    for (const phase of ctx.phases) figures.push(await runPhase(ctx, rig, phase));
    return figures;
  } finally {
    // Bounded, as the worker's shutdown is: a store that does not drain must not hold the bench.
    await driver.current?.stop(() => Promise.race([writer.flush(), delay(app.storage.operationTimeoutMs)]));
    await deleteKeys(gateway.commands(), keys.prefix).catch((error: unknown) => {
      console.error(`could not delete the bench's Redis keys (${keys.prefix}*): ${String(error)}`);
    });
    await Promise.all(roles.map((links) => links.onApplicationShutdown()));
    await connection.close();
  }
}

async function deleteKeys(redis: ReturnType<BusConnections['commands']>, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (found.length > 0) await redis.del(...found);
    cursor = next;
  } while (cursor !== '0');
}

async function main(): Promise<void> {
  const config = loadConfig({ cwd: ROOT });
  const files = replayFiles();
  // Twice: the first run warms the JIT (for the paths too); the second is the baseline.
  engineBaseline(config, files);
  const { figures: baseline, phases } = engineBaseline(config, files);
  const markets = [
    ...new Map(files.map((f) => [marketId(f), { exchange: f.exchange, symbol: f.symbol }])).values(),
  ];
  const ctx: Context = {
    config,
    files,
    markets,
    phases,
    formatter: new ResultFormatter(),
    createAnalyzer: (market) =>
      new MarketAnalyzer(
        market,
        createConfluenceEngine({ indicators: config.indicators, weights: config.weights }),
        { refreshIntervalMs: config.app.analysis.refreshIntervalMs },
      ),
  };
  const [bulk, paced] = phases;
  console.log(
    `pipeline benchmark — ${baseline.candles} real 1m candles of ${markets.length} markets (${FILES.join(', ')}): ` +
      `${bulk.candles} at speed max (${bulk.expected} results), then ${paced.candles} paced ${PACED_GAP_MS} ms apart ` +
      `per market (${paced.expected} results)\n`,
  );
  const server = await EmbeddedMongoServer.start({ port: 0 });
  try {
    const local = await runLocal(ctx, server.uri);
    const redis = await runRedis(ctx, server.uri);
    print(baseline, [...local, ...redis]);
  } finally {
    await server.stop();
  }
}

await main();
