/**
 * Scale benchmark (`npm run bench:scale`), issue 24: 2,000 markets × 1m and 5m on one box, every
 * market's minute close arriving at the same instant.
 * - Markets: real BTC/USDT candles from data/ (1m and the exchange's 5m of the same week), each
 *   market cut from another window of the week and price-scaled by its own factor, all moved so
 *   they close together (scale-markets.ts).
 * - Warm-up: each market's analyzer is warmed as a worker taking a market over warms it
 *   (MarketAnalyzer.rebuild from 200 candles of each timeframe: ~2 ms a market), not through the
 *   pipeline: at the pipeline's ~600 candles/s the 800,000 warm-up candles would take 20 minutes.
 * - Bursts: first `--warm-bursts` (default 1) unmeasured, then `--bursts` (default 10) measured
 *   minute closes: every market's 1m close (and every fifth minute its 5m close) handed to the bus
 *   together, as market-data publishes at the minute. A burst is done when its last result is
 *   received on the bus (`confluence.updated`) and stored.
 * - Baseline in the same run: the engine alone (addCandle + analyze) over the same closes of the
 *   same markets; the pipeline's results/s is printed as a ratio of it.
 * - Local mode: InProcessEventBus → LocalAnalysis → StoreAndBusSink → embedded store, in this
 *   process (scale-local.ts).
 * Exits 1 when a result is lost, duplicated or not stored. `--markets=N` (default 2000);
 * `--cpu-prof-bursts=FILE` writes a CPU profile of the local mode's measured bursts (summarise it
 * with `node dist/bench/cpu-profile-summary.js FILE`); `--store-commands` tallies the store's
 * commands by collection (driver command monitoring); `--store-thread` runs the embedded store on
 * a worker thread of the bench process (the lever of moving it off the main thread).
 */
import path from 'node:path';
import { loadConfig } from '@app/config';
import { warmupCandlesFor } from '@app/confluence';
import { option } from './bench-kit.js';
import { cpuProfileOption } from './cpu-profile.js';
import { engineBaseline, type ScalePlan } from './scale-baseline.js';
import { runDistributed } from './scale-distributed.js';
import { runLocal } from './scale-local.js';
import { startStore } from './scale-store-thread.js';
import { burstCloses, originFor, readSource, scaleMarkets } from './scale-markets.js';
import { load, memoryNow, printBaseline, printMode } from './scale-report.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
/** Markets of the JIT warm-up run of the baseline. */
const JIT_MARKETS = 200;
const MODES = ['local', 'distributed', 'both'] as const;
const MODE = modeOption();

function modeOption(): (typeof MODES)[number] {
  const raw = process.argv.find((arg) => arg.startsWith('--mode='))?.slice('--mode='.length) ?? 'both';
  const mode = MODES.find((m) => m === raw);
  if (mode === undefined) throw new Error(`--mode: "${raw}" is not one of ${MODES.join(', ')}`);
  return mode;
}

function plan(): ScalePlan {
  const config = loadConfig({ cwd: ROOT });
  const warmup = warmupCandlesFor(config.indicators);
  const bursts = option('bursts', 10);
  const warmBursts = option('warm-bursts', 1);
  const source = readSource(ROOT, warmup, warmBursts + bursts);
  const markets = scaleMarkets(option('markets', 2000), source);
  const origin = originFor(Date.now(), warmBursts + bursts);
  const closes = Array.from({ length: warmBursts + bursts }, (_, k) =>
    burstCloses(markets, source, origin, warmup, k),
  );
  return {
    config,
    source,
    markets,
    origin,
    warmup,
    warmBursts,
    bursts,
    closes,
    profile: cpuProfileOption(),
    storeCommands: process.argv.includes('--store-commands'),
  };
}

async function main(): Promise<number> {
  const start = memoryNow();
  const p = plan();
  console.log(
    `scale benchmark — ${p.markets.length} markets × 1m, 5m (${p.source.windows} distinct windows of the week, ` +
      `prices ×1e-4…1e4), warm-up ${p.warmup} candles a timeframe; ${p.warmBursts} unmeasured + ${p.bursts} measured ` +
      `minute bursts (${p.closes.map((c) => c.length).join(', ')} closes); load average ${load()}\n`,
  );
  engineBaseline(p, p.markets.slice(0, JIT_MARKETS));
  const baseline = engineBaseline(p);
  printBaseline(baseline, p.markets.length);
  const server = await startStore(process.argv.includes('--store-thread'));
  let clean = true;
  try {
    if (MODE !== 'distributed') {
      const local = await runLocal(p, server.uri, baseline.expected, start);
      clean = printMode(local, baseline, 'local') && clean;
    }
    if (MODE !== 'local') {
      const distributed = await runDistributed(p, server.uri, baseline.expected, memoryNow());
      clean = printMode(distributed, baseline, 'distributed') && clean;
    }
  } finally {
    await server.stop();
  }
  console.log(`\nload average at the end ${load()}`);
  return clean ? 0 : 1;
}

process.exitCode = await main();
