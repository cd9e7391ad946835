/**
 * Stream benchmark (`npm run bench:stream`): issue 23's latency budget, exchange message →
 * `confluence.updated` on the bus, in-process, p99 ≤ 5 ms per market, with 200 markets streaming.
 * One fake Binance on loopback lists 200 synthetic spot markets (S001/USDT …), each streaming 1m
 * klines, trades and its order book at Binance's cadence (a book diff every 100 ms, the forming
 * kline every 2 s, each market at its own phase); the real market-data side reads them through
 * ccxt pro (CcxtMarketClient, ExchangeFeed with `transport: websocket`) and publishes on local
 * mode's in-process bus, where LocalAnalysis scores each close. Every market is warmed up first
 * (the feed's REST backfill), so every measured close gives a `ready` result.
 * Latency per close = the fake wrote its closing kline frame (performance.now(), a hook in the
 * fake) → its `confluence.updated` received on the bus. While measuring, the fake's clock follows
 * the wall clock and it writes what fell due every `--pump-ms` (20); the feed runs its tasks
 * (books and trades onto the bus) after each write. Two regimes, each on a fresh rig:
 * - paced: market i's klines run i · 300 ms late on the fake, so the minute's 200 closes come one
 *   at a time, 300 ms apart, while every market's trades and book keep streaming: the budget's case;
 * - burst: all 200 closes due at the same instant, as exchanges close the minute; the last
 *   market's latency includes queueing behind the other 199 analyses.
 * The baseline, in the same process: the same candles published straight onto the bus (no stream,
 * no ccxt), same regimes and schedule. Without a store by default; `--store` writes every result
 * to the embedded store (in this process, as local mode runs it).
 * Options: --markets=200 --pump-ms=20 --paced-minutes=2 --burst-minutes=5 --store --only=paced|burst
 * Exit 1 on an error, a lost or repeated result, or a published candle unlike the dataset's.
 */
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { type ConfluenceConfig, loadConfig } from '@app/config';
import { warmupCandlesFor } from '@app/confluence';
import { EmbeddedMongoServer } from '@app/embedded-mongo';
import { ManualClock } from '../libs/testing/src/manual-clock.js';
import { option } from './bench-kit.js';
import { percentile } from './pipeline-probe.js';
import { openAnalysis } from './stream-analysis.js';
import { type BenchMarkets, benchMarkets } from './stream-data.js';
import { CloseProbe } from './stream-probe.js';
import { printReport, type PathFigures, type RegimeFigures, worst } from './stream-report.js';
import {
  baselineBurst,
  baselinePaced,
  baselineWarmup,
  pacedStepMs,
  type RegimeResult,
  type Schedule,
  streamBurst,
  streamPaced,
} from './stream-regimes.js';
import { StreamRig } from './stream-rig.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const MARKETS = option('markets', 200);
const PUMP_MS = option('pump-ms', 20);
const PACED_MINUTES = option('paced-minutes', 2);
const BURST_MINUTES = option('burst-minutes', 5);
const WITH_STORE = process.argv.includes('--store');
/** `--only=paced` or `--only=burst` runs one regime. */
const REGIMES = regimes(process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length));

type RegimeName = 'paced' | 'burst';

function regimes(only: string | undefined): RegimeName[] {
  if (only === undefined) return ['paced', 'burst'];
  if (only === 'paced' || only === 'burst') return [only];
  throw new Error(`--only: "${only}" is not paced or burst`);
}
/** Longest wait for every stream to go live. */
const STREAMING_TIMEOUT_MS = 120_000;

interface Context {
  readonly config: ConfluenceConfig;
  readonly data: BenchMarkets;
  readonly symbols: readonly string[];
  readonly warmup: number;
  readonly start: number;
  readonly storeUri: string | null;
  readonly problems: string[];
}

/** When a regime was measured, in s since the process started (to line it up with outside load). */
function window(from: number, until: number): string {
  return `measured from t+${(from / 1000).toFixed(0)} s to t+${(until / 1000).toFixed(0)} s`;
}

/** Lost closes of a path's rounds, and the whole-run checks of its probe and analysis side. */
function check(label: string, result: RegimeResult, problems: readonly string[], sink: string[]): void {
  const missing = result.rounds.flatMap((round) => round.missing);
  if (missing.length > 0)
    sink.push(`${label}: ${missing.length} close(s) without a result: ${missing.slice(0, 5).join('; ')}`);
  for (const problem of problems.slice(0, 10)) sink.push(`${label}: ${problem}`);
}

async function runStream(
  ctx: Context,
  regime: RegimeName,
): Promise<{ figures: PathFigures; firstMinute: number }> {
  const probe = new CloseProbe();
  let rig: StreamRig | null = null;
  const side = await openAnalysis({
    config: ctx.config,
    probe,
    // The fake's virtual time, which a live worker's wall clock would read.
    now: () => rig?.clock.now() ?? ctx.start,
    storeUri: ctx.storeUri,
    dbName: `bench_stream_${regime}`,
  });
  const step = pacedStepMs(ctx.symbols.length);
  const index = new Map(ctx.data.markets.map((market, i) => [market.id, i]));
  const label = `stream: fake → ccxt pro → feed → bus → worker`;
  try {
    const started = performance.now();
    rig = await StreamRig.start({
      config: ctx.config,
      data: ctx.data,
      start: ctx.start,
      warmupCandles: ctx.warmup,
      analysis: side,
      probe,
      ...(regime === 'paced' ? { klineDelayMs: (id: string) => (index.get(id) ?? 0) * step } : {}),
    });
    const warmed = performance.now();
    await rig.untilStreaming(STREAMING_TIMEOUT_MS);
    const live = performance.now();
    const firstMinute = (Math.ceil(rig.clock.now() / 60_000) + 1) * 60_000;
    const schedule: Schedule = {
      symbols: ctx.symbols,
      pumpMs: PUMP_MS,
      minutes: regime === 'paced' ? PACED_MINUTES : BURST_MINUTES,
      firstMinute,
    };
    const before = rig.requests();
    const from = performance.now();
    const result =
      regime === 'paced' ? await streamPaced(rig, probe, schedule) : await streamBurst(rig, probe, schedule);
    const until = performance.now();
    const after = rig.requests();
    const rest = Object.entries(after)
      .map(([endpoint, count]) => [endpoint, count - (before[endpoint] ?? 0)] as const)
      .filter(([, count]) => count > 0)
      .map(([endpoint, count]) => `${endpoint} ${count}`);
    const { pumps, frames, writeMs, maxWriteMs } = rig.stats;
    const measured = rig;
    const tails = result.rounds
      .flatMap((round) => round.samples)
      .map((sample) => measured.writingAfter(sample.sentAt))
      .filter((ms) => !Number.isNaN(ms))
      .sort((a, b) => a - b);
    const streams = rig.feed.status().streams;
    check(`stream ${regime}`, result, [...probe.verify(ctx.data.candles), ...side.problems()], ctx.problems);
    const notes = [
      `${window(from, until)}; start-up: warm-up backfill ${((warmed - started) / 1000).toFixed(1)} s, streams live ${((live - warmed) / 1000).toFixed(1)} s later; ` +
        `${streams.connections.open} ccxt sessions, ${streams.reconnects} reconnects, ${streams.malformedFrames} malformed, ${streams.streamedCandles} candles streamed`,
      `fake: ${frames} frames in ${pumps} pumps (${(frames / pumps).toFixed(0)} a pump), writing took ${(writeMs / pumps).toFixed(2)} ms a pump (max ${maxWriteMs.toFixed(1)})` +
        `; REST requests while measuring: ${rest.length === 0 ? 'none' : rest.join(', ')}`,
      `of each latency, the fake's own writes after the close's frame: p50 ${percentile(tails, 0.5).toFixed(2)} ms, ` +
        `p99 ${percentile(tails, 0.99).toFixed(2)} ms (a remote exchange's would not be in this process)`,
      side.note(),
      `slowest: ${worst(result, 4)}`,
    ];
    return { figures: { label, result, notes }, firstMinute };
  } finally {
    await rig?.stop();
    await side.close();
  }
}

async function runBaseline(ctx: Context, regime: RegimeName, firstMinute: number): Promise<PathFigures> {
  const probe = new CloseProbe();
  const clock = new ManualClock(ctx.start);
  const side = await openAnalysis({
    config: ctx.config,
    probe,
    now: () => clock.now(),
    storeUri: ctx.storeUri,
    dbName: `bench_baseline_${regime}`,
  });
  try {
    const feed = { side, probe, clock, candles: ctx.data.candles };
    const last = firstMinute - 120_000;
    await baselineWarmup(feed, ctx.symbols, last - ctx.warmup * 60_000, last);
    const schedule: Schedule = {
      symbols: ctx.symbols,
      pumpMs: PUMP_MS,
      minutes: regime === 'paced' ? PACED_MINUTES : BURST_MINUTES,
      firstMinute,
    };
    const from = performance.now();
    const result =
      regime === 'paced' ? await baselinePaced(feed, schedule) : await baselineBurst(feed, schedule);
    const until = performance.now();
    check(
      `baseline ${regime}`,
      result,
      [...probe.verify(ctx.data.candles), ...side.problems()],
      ctx.problems,
    );
    return {
      label: 'baseline: candle → bus → worker',
      result,
      notes: [window(from, until), side.note(), `slowest: ${worst(result, 4)}`],
    };
  } finally {
    await side.close();
  }
}

async function main(): Promise<number> {
  const config = loadConfig({ cwd: ROOT });
  const warmup = warmupCandlesFor(config.indicators);
  const minutes = warmup + 240 + PACED_MINUTES + BURST_MINUTES;
  const data = benchMarkets(ROOT, MARKETS, minutes);
  const first = data.candles.values().next().value?.[0]?.timestamp ?? 0;
  const ctxBase = {
    config,
    data,
    symbols: data.markets.map((market) => market.spotSymbol),
    warmup,
    // Half a minute into the minute after the warm-up (and a few spare candles).
    start: first + (warmup + 5) * 60_000 + 30_000,
    problems: [] as string[],
  };
  const step = pacedStepMs(MARKETS);
  const load = (): string =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  console.log(
    `stream benchmark — ${MARKETS} synthetic spot markets (${ctxBase.symbols[0] ?? ''} … ${ctxBase.symbols.at(-1) ?? ''}) ` +
      `on one fake Binance, each streaming 1m klines, trades and its book; ccxt pro → ExchangeFeed → in-process bus → ` +
      `LocalAnalysis, ${WITH_STORE ? 'every result written to the embedded store (in process)' : 'results published, not stored'}; ` +
      `${warmup} warm-up candles per market\npaced: ${PACED_MINUTES} minute(s), a close every ${step} ms ` +
      `(market i's klines ${step}·i ms late); burst: ${BURST_MINUTES} minute(s), all ${MARKETS} closes at once; ` +
      `the fake writes every ${PUMP_MS} ms\nload average at start: ${load()} (${cpus().length} cores)\n`,
  );
  const store = WITH_STORE ? await EmbeddedMongoServer.start({ port: 0 }) : null;
  try {
    const ctx: Context = { ...ctxBase, storeUri: store?.uri ?? null };
    const regimes: RegimeFigures[] = [];
    for (const name of REGIMES) {
      const minutesOf = name === 'paced' ? PACED_MINUTES : BURST_MINUTES;
      const stream = await runStream(ctx, name);
      if (stream.firstMinute + minutesOf * 60_000 > first + minutes * 60_000)
        ctx.problems.push('the run went past the candles the fake serves');
      regimes.push({
        name,
        description:
          name === 'paced'
            ? `one close every ${step} ms while every market streams`
            : `all ${MARKETS} closes due at once, ${BURST_MINUTES} times (baseline: from an idle process)`,
        baseline: await runBaseline(ctx, name, stream.firstMinute),
        stream: stream.figures,
      });
    }
    console.log('');
    printReport(regimes);
    console.log(`load average at the end: ${load()}`);
    for (const problem of ctx.problems) console.error(`ERROR ${problem}`);
    return ctx.problems.length === 0 ? 0 : 1;
  } finally {
    await store?.stop();
  }
}

process.exitCode = await main();
