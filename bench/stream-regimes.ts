import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import type { Candle } from '@app/confluence';
import { DataSource, MarketEventName } from '@app/contracts';
import type { ManualClock } from '../libs/testing/src/manual-clock.js';
import type { AnalysisSide } from './stream-analysis.js';
import type { CloseProbe, Round } from './stream-probe.js';
import type { StreamRig } from './stream-rig.js';

/**
 * The two regimes, each driven through the stream rig and, as the baseline, straight onto an
 * analysis side's bus with the same candles on the same wall-clock schedule:
 * - paced: the minute's closes spread over it, one every 60 s / markets (market i's klines run
 *   i steps late on the fake), while the stream runs live: the fake's clock follows the wall clock,
 *   it writes what fell due every `pumpMs` (book diffs, forming klines, trades, the due close), and
 *   the feed runs its tasks (books and trades onto the bus, the watchdog) after each write;
 * - burst: every market's close due at the same instant, 2 s into a live stream.
 */

/** Wall time the stream runs live before a burst, and the baseline idles. */
const LEAD_MS = 2_000;
/** Longest wait for a round's results (a stuck path fails, it does not hang). */
const ROUND_TIMEOUT_MS = 30_000;

export interface Schedule {
  /** Spot symbols in market order (market i's klines are i steps late in the paced regime). */
  readonly symbols: readonly string[];
  /** Wall (and virtual) ms between two writes of the fake while the stream runs live. */
  readonly pumpMs: number;
  readonly minutes: number;
  /** The first measured minute: the candle opened a minute before it closes then. */
  readonly firstMinute: number;
}

export interface RegimeResult {
  readonly rounds: readonly Round[];
  /** Bursts: first close written (handed over) → last result, ms, per burst. */
  readonly completions: readonly number[];
}

/** Virtual (and wall) ms between two markets' closes in the paced regime. */
export function pacedStepMs(markets: number): number {
  return Math.floor(60_000 / markets);
}

const closesAt = (symbols: readonly string[], boundary: number): { symbol: string; candleTime: number }[] =>
  symbols.map((symbol) => ({ symbol, candleTime: boundary - 60_000 }));

function completion(round: Round): number {
  if (round.samples.length === 0) return Number.NaN;
  const first = Math.min(...round.samples.map((s) => s.sentAt));
  return Math.max(...round.samples.map((s) => s.updatedAt)) - first;
}

export async function streamPaced(
  rig: StreamRig,
  probe: CloseProbe,
  schedule: Schedule,
): Promise<RegimeResult> {
  const rounds: Round[] = [];
  await rig.fastForward(schedule.firstMinute - LEAD_MS);
  for (let minute = 0; minute < schedule.minutes; minute++) {
    const boundary = schedule.firstMinute + minute * 60_000;
    probe.arm(closesAt(schedule.symbols, boundary));
    await rig.realtime(minute === 0 ? boundary - LEAD_MS : boundary, boundary + 59_999, schedule.pumpMs);
    await probe.until(ROUND_TIMEOUT_MS);
    rounds.push(probe.take());
  }
  return { rounds, completions: [] };
}

export async function streamBurst(
  rig: StreamRig,
  probe: CloseProbe,
  schedule: Schedule,
): Promise<RegimeResult> {
  const rounds: Round[] = [];
  const completions: number[] = [];
  for (let minute = 0; minute < schedule.minutes; minute++) {
    const boundary = schedule.firstMinute + minute * 60_000;
    await rig.fastForward(boundary - LEAD_MS);
    probe.arm(closesAt(schedule.symbols, boundary));
    await rig.realtime(boundary - LEAD_MS, boundary + 1_000, schedule.pumpMs);
    await probe.until(ROUND_TIMEOUT_MS);
    const round = probe.take();
    rounds.push(round);
    completions.push(completion(round));
  }
  return { rounds, completions };
}

/** The baseline's side of the schedule: candles published straight onto the analysis bus. */
export interface BaselineFeed {
  readonly side: AnalysisSide;
  readonly probe: CloseProbe;
  /** The analysis clock, set to where the stream's virtual clock would be. */
  readonly clock: ManualClock;
  readonly candles: ReadonlyMap<string, readonly Candle[]>;
}

function candleOf(feed: BaselineFeed, symbol: string, time: number): Candle {
  const candle = feed.candles.get(symbol)?.find((c) => c.timestamp === time);
  if (candle === undefined) throw new Error(`${symbol}: no candle at ${new Date(time).toISOString()}`);
  return candle;
}

function publish(feed: BaselineFeed, symbol: string, candle: Candle): Promise<void> {
  return feed.side.bus.publish(MarketEventName.CandleClosed, {
    exchange: 'binance',
    symbol,
    timeframe: '1m',
    source: DataSource.Live,
    emittedAt: feed.clock.now(),
    candle,
  });
}

/** Every market's candles from `from` to `until` (open times, inclusive), one market at a time. */
export async function baselineWarmup(
  feed: BaselineFeed,
  symbols: readonly string[],
  from: number,
  until: number,
): Promise<void> {
  for (const symbol of symbols)
    for (const candle of feed.candles.get(symbol) ?? []) {
      if (candle.timestamp < from || candle.timestamp > until) continue;
      feed.clock.set(candle.timestamp + 60_000);
      await publish(feed, symbol, candle);
    }
}

async function sleepUntil(at: number): Promise<void> {
  const wait = at - performance.now();
  if (wait > 0) await delay(wait);
}

export async function baselinePaced(feed: BaselineFeed, schedule: Schedule): Promise<RegimeResult> {
  const { symbols } = schedule;
  const step = pacedStepMs(symbols.length);
  const rounds: Round[] = [];
  await delay(LEAD_MS);
  for (let minute = 0; minute < schedule.minutes; minute++) {
    const boundary = schedule.firstMinute + minute * 60_000;
    feed.probe.arm(closesAt(symbols, boundary));
    const t0 = performance.now();
    for (const [index, symbol] of symbols.entries()) {
      await sleepUntil(t0 + index * step);
      const candle = candleOf(feed, symbol, boundary - 60_000);
      feed.clock.set(boundary + index * step);
      feed.probe.sent(symbol, candle.timestamp);
      await publish(feed, symbol, candle);
    }
    await sleepUntil(t0 + 60_000);
    await feed.probe.until(ROUND_TIMEOUT_MS);
    rounds.push(feed.probe.take());
  }
  return { rounds, completions: [] };
}

export async function baselineBurst(feed: BaselineFeed, schedule: Schedule): Promise<RegimeResult> {
  const rounds: Round[] = [];
  const completions: number[] = [];
  const { symbols } = schedule;
  for (let minute = 0; minute < schedule.minutes; minute++) {
    const boundary = schedule.firstMinute + minute * 60_000;
    await delay(LEAD_MS);
    feed.probe.arm(closesAt(symbols, boundary));
    feed.clock.set(boundary);
    const candles = symbols.map((symbol) => candleOf(feed, symbol, boundary - 60_000));
    // All handed over at the same instant, as the exchange's closes are written in one go.
    symbols.forEach((symbol, i) => {
      feed.probe.sent(symbol, (candles[i] as Candle).timestamp);
    });
    await Promise.all(symbols.map((symbol, i) => publish(feed, symbol, candles[i] as Candle)));
    await feed.probe.until(ROUND_TIMEOUT_MS);
    const round = feed.probe.take();
    rounds.push(round);
    completions.push(completion(round));
  }
  return { rounds, completions };
}
