/**
 * One analysis worker of the scale benchmark's distributed mode, a child process of the bench:
 * DistributedAnalysis wired as apps/analysis-worker wires it (leases, XREAD, commit/publish, the
 * store through StoreAndBusSink), without Nest. A market it takes over is warmed as in local mode
 * (MarketAnalyzer.rebuild from the market's warm-up candles), so it starts from the same state.
 * Args: --store=URI --redis=URL --prefix=P --origin=MS --markets=N --bursts=N.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DistributedAnalysis, MarketAnalyzer, StoreAndBusSink } from '@app/analysis';
import { BusConnections, MarketLeases, RedisEventBus, RedisKeys, RedisMarketLog } from '@app/bus';
import { loadConfig } from '@app/config';
import { createConfluenceEngine, ResultFormatter, warmupCandlesFor } from '@app/confluence';
import type { MarketRef } from '@app/contracts';
import { numberArg, serveParent, stringArg } from './gateway-ipc.js';
import { BenchLogger } from './pipeline-probe.js';
import { openStore, storeWriter } from './pipeline-rig.js';
import { readSource, SCALE_TIMEFRAMES, scaleMarkets, warmupCandles } from './scale-markets.js';
import { memoryNow } from './scale-report.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

async function main(): Promise<void> {
  const config = loadConfig({ cwd: ROOT });
  const { app } = config;
  const warmup = warmupCandlesFor(config.indicators);
  const origin = numberArg('origin', 0);
  const source = readSource(ROOT, warmup, numberArg('bursts', 11));
  const markets = scaleMarkets(numberArg('markets', 2000), source);
  const byId = new Map(markets.map((m) => [`${m.exchange} ${m.symbol}`, m]));
  const keys = new RedisKeys(stringArg('prefix', 'bench-scale'));
  const links = new BusConnections(
    stringArg('redis', 'redis://127.0.0.1:6379'),
    keys,
    app.bus.streamMaxLength,
  );
  const logger = new BenchLogger();
  const { connection, repos } = await openStore(config, stringArg('store', ''), 'bench_scale_redis');
  const writer = storeWriter(config, logger);
  const now = (): number => Date.now();
  const commands = links.commands();
  const bus = new RedisEventBus({
    publisher: commands,
    subscriber: links.open('subscriber'),
    keys,
    streamMaxLength: app.bus.streamMaxLength,
    logger,
  });
  const sink = new StoreAndBusSink({
    writer,
    results: repos.results,
    signals: repos.signals,
    samples: repos.samples,
    bus,
    formatter: new ResultFormatter(),
    now,
  });
  const createAnalyzer = (market: MarketRef): MarketAnalyzer => {
    const scale = byId.get(`${market.exchange} ${market.symbol}`);
    if (scale === undefined)
      throw new Error(`${market.exchange} ${market.symbol}: not a market of the benchmark`);
    const engine = createConfluenceEngine({ indicators: config.indicators, weights: config.weights });
    const analyzer = new MarketAnalyzer(market, engine, {
      refreshIntervalMs: app.analysis.refreshIntervalMs,
    });
    analyzer.rebuild(warmupCandles(scale, source, origin, warmup), { candles: {}, labels: {} }, now());
    return analyzer;
  };
  const workerId = `scale-worker-${process.pid}-${randomUUID().slice(0, 8)}`;
  const worker = new DistributedAnalysis(
    {
      workerId,
      batchSize: app.analysis.batchSize,
      blockMs: app.analysis.blockMs,
      rebuildCandles: warmup,
      snapshotEveryCandles: app.analysis.snapshotEveryCandles,
      timeframesOf: () => SCALE_TIMEFRAMES,
      logUpdates: false,
    },
    {
      log: new RedisMarketLog({ commands, reader: links.open('log-reader'), keys }),
      ownership: (callbacks) =>
        new MarketLeases({
          redis: commands,
          prefix: keys.prefix,
          workerId,
          markets: markets.map(({ exchange, symbol }) => ({ exchange, symbol })),
          ttlMs: app.analysis.leaseTtlMs,
          logger,
          ...callbacks,
        }),
      history: { candlesUntil: () => Promise.resolve([]) },
      snapshots: { load: () => Promise.resolve(null), save: () => Promise.resolve(true) },
      sink,
      formatter: new ResultFormatter(),
      createAnalyzer,
      now,
      logger,
    },
  );
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  await bus.ready();
  worker.start();
  serveParent({
    status: () => {
      const s = worker.status();
      return { owned: s.markets.length, takeovers: s.takeovers, results: s.counters.results };
    },
    rss: () => ({ rss: memoryNow().rss }),
    measure: () => {
      loopDelay.reset();
      loopDelay.enable();
      return true;
    },
    flush: async () => {
      await writer.flush();
      return { written: writer.status().written };
    },
    report: () => {
      loopDelay.disable();
      const s = worker.status();
      const w = writer.status();
      return {
        rss: memoryNow().rss,
        loopDelayP99: loopDelay.percentile(99) / 1e6,
        loopDelayMax: loopDelay.max / 1e6,
        note:
          `${workerId}: ${s.markets.length} markets, ${s.counters.candles} candles, ${s.counters.results} results, ` +
          `${s.lostCommits} lost commits, ${s.counters.storeRefused} store-refused; store ${w.written}/${w.accepted} ` +
          `bulk writes, ${w.dropped} dropped, ${w.retries} retries; ${logger.warnings} warning(s), ${logger.errors} error(s)`,
      };
    },
    stop: async () => {
      await worker.stop(() => writer.flush());
      await links.onApplicationShutdown();
      await connection.close();
      setImmediate(() => process.exit(0));
      return true;
    },
  });
}

await main();
