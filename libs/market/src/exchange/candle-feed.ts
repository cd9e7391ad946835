import type { Candle } from '@app/confluence';
import { timeframeToMs } from '@app/contracts';
import { CandleSequencer, type SequencerOutput } from '../candle-sequencer.js';
import type { Clock } from '../clock.js';
import type { ExchangeGate } from '../faults/exchange-gate.js';
import {
  type CandleSpan,
  type GapPolicy,
  GapTracker,
  type MissingGap,
  type PendingGap,
} from './gap-tracker.js';
import type { MarketClient } from './market-client.js';
import { planResume } from './resume-plan.js';
import type { Checked } from './response-validation.js';
import type { LogSink, Timeframe } from '@app/contracts';

/** Candles asked for on each routine poll: the forming one, the one just closed, and one spare. */
const RECENT_CANDLES = 3;

export interface CandleFeedOptions {
  readonly symbol: string;
  readonly timeframe: Timeframe;
  readonly client: MarketClient;
  readonly gate: ExchangeGate;
  readonly clock: Clock;
  readonly logger: LogSink;
  /** Tries per call, retries included. */
  readonly attempts: number;
  /** How long a hole the exchange skips over is asked for again before it is declared missing. */
  readonly gaps: GapPolicy;
  readonly publish: (candle: Candle) => Promise<void>;
}

export interface ResumeOptions {
  /** Closed candles consumers need for warm indicators; always published at start. */
  readonly warmup: number;
  /** Most candles backfilled from the last stored one (exchanges.yaml `resume.maxCandles`). */
  readonly maxCandles: number;
  /** Open time of the newest stored candle of the stream, or null. */
  readonly lastStored: number | null;
}

export interface CandleFeedStatus {
  readonly symbol: string;
  readonly timeframe: Timeframe;
  /** Open time of the last candle published. */
  readonly lastCandle: number | null;
  /** When it was published. */
  readonly lastPublishedAt: number | null;
  readonly published: number;
  readonly backfilled: number;
  /** Intervals declared missing: the exchange's answers skipped them `gaps.attempts` times. */
  readonly missing: number;
  /** The newest holes declared missing (up to 20), with their ranges. */
  readonly missingGaps: readonly MissingGap[];
  /** Holes the exchange skipped over so far, asked for again on a doubling wait; newer candles wait. */
  readonly pendingGaps: readonly PendingGap[];
  readonly awaitingBackfill: { readonly from: number; readonly to: number } | null;
  /** Candles between the last stored one and the start that `resume.maxCandles` left unfetched. */
  readonly unbackfilled: CandleSpan | null;
}

/**
 * One market's candle pipeline: polls the recent candles, lets the sequencer decide what closed,
 * and fills every hole from REST history before anything newer is published — so consumers see
 * each closed candle once, in order, without gaps the exchange could have filled.
 */
export class CandleFeed {
  readonly #sequencer: CandleSequencer;
  readonly #interval: number;
  readonly #gaps: GapTracker;
  #lastPublishedAt: number | null = null;
  #published = 0;
  #backfilled = 0;
  #unbackfilled: CandleSpan | null = null;
  #turn: Promise<void> = Promise.resolve();

  constructor(private readonly options: CandleFeedOptions) {
    this.#sequencer = new CandleSequencer(options.timeframe);
    this.#interval = timeframeToMs(options.timeframe);
    this.#gaps = new GapTracker(options.gaps, this.#interval);
  }

  /**
   * Starts the series so the first poll backfills from the last stored candle, or the warm-up
   * when that reaches further back (either is just the first hole), bounded by `maxCandles`.
   */
  resume(options: ResumeOptions): void {
    const plan = planResume({ now: this.options.clock.now(), interval: this.#interval, ...options });
    this.#sequencer.resumeAfter(plan.after);
    this.#unbackfilled = plan.unbackfilled;
    const { lastStored, maxCandles } = options;
    if (plan.unbackfilled !== null)
      this.options.logger.warn(
        `${this.#stream}: ${plan.unbackfilled.candles} candle(s) ${spanText(plan.unbackfilled)} after the last stored one are not backfilled (resume.maxCandles is ${maxCandles}); the store keeps that hole`,
      );
    else if (lastStored !== null && plan.after === lastStored)
      this.options.logger.log(
        `${this.#stream}: resuming after the last stored candle (${iso(lastStored)}), ${Math.round((this.#lastClosed() - lastStored) / this.#interval)} candle(s) to backfill`,
      );
  }

  /** One routine poll; throws the gate's ExchangeCallError when the exchange fails it. */
  poll(signal?: AbortSignal): Promise<number> {
    return this.#serial(async () => {
      const { symbol, timeframe, client } = this.options;
      const page = await this.#fetch(`fetchOHLCV ${symbol} ${timeframe}`, signal, () =>
        client.fetchCandles(symbol, timeframe, undefined, RECENT_CANDLES),
      );
      return this.#settle(this.#sequencer.update(page.items, this.options.clock.now()), signal);
    });
  }

  /**
   * A candle the exchange's stream flagged closed. The flag is the exchange's word, so a clock
   * a little behind the exchange's does not hold it back. Resolves with the candles published
   * (a hole before it is backfilled from REST first); throws like `poll` when that fails.
   */
  offerClosed(candle: Candle, signal?: AbortSignal): Promise<number> {
    return this.#serial(() => {
      const now = Math.max(this.options.clock.now(), candle.timestamp + this.#interval);
      return this.#settle(this.#sequencer.update([candle], now, { newestMayBeForming: false }), signal);
    });
  }

  /** Candles a stream delivered without a closed flag: the newest is taken as forming, as in a poll. */
  offerPage(candles: readonly Candle[], signal?: AbortSignal): Promise<number> {
    return this.#serial(() =>
      this.#settle(this.#sequencer.update(candles, this.options.clock.now()), signal),
    );
  }

  /** Polls and stream offers take turns, so a backfill never interleaves with another update. */
  #serial(work: () => Promise<number>): Promise<number> {
    const run = this.#turn.then(work);
    this.#turn = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Publishes what the sequencer released, then fills any hole it reports from REST history. */
  async #settle(first: SequencerOutput, signal?: AbortSignal): Promise<number> {
    const before = this.#published;
    let output = first;
    await this.#take(output, false);
    while (output.backfill !== null) {
      // A hole the exchange skipped over is asked for again only when its wait is over.
      if (!this.#gaps.due(output.backfill.from, this.options.clock.now())) break;
      const last = this.#sequencer.lastPublished;
      output = await this.#backfill(output.backfill, signal);
      // No progress (a stale page, say): leave the hole for the next poll rather than spin.
      if (this.#sequencer.lastPublished === last) break;
    }
    return this.#published - before;
  }

  /**
   * Whether the last closed candle as of `asOf` has been published: a stream that missed a
   * close (a lost or garbled frame) leaves the series behind, and the REST poll steps in.
   */
  current(asOf: number): boolean {
    const last = this.#sequencer.lastPublished;
    const lastClosed = Math.floor(asOf / this.#interval) * this.#interval - this.#interval;
    return last !== null && last >= lastClosed;
  }

  status(): CandleFeedStatus {
    return {
      symbol: this.options.symbol,
      timeframe: this.options.timeframe,
      lastCandle: this.#sequencer.lastPublished,
      lastPublishedAt: this.#lastPublishedAt,
      published: this.#published,
      backfilled: this.#backfilled,
      missing: this.#gaps.missingCandles,
      missingGaps: this.#gaps.missing,
      pendingGaps: this.#gaps.pending,
      awaitingBackfill: this.#sequencer.awaitingBackfill,
      unbackfilled: this.#unbackfilled,
    };
  }

  async #backfill(range: { from: number; to: number }, signal?: AbortSignal): Promise<SequencerOutput> {
    const { symbol, timeframe, client } = this.options;
    // One row past the hole, so a page that covers it is full and every row in it is closed.
    const wanted = Math.floor((range.to - range.from) / this.#interval) + 2;
    const limit = Math.min(client.maxCandlesPerRequest, wanted);
    const page = await this.#fetch(`backfill ${symbol} ${timeframe}`, signal, () =>
      client.fetchCandles(symbol, timeframe, range.from, limit),
    );
    // A page shorter than asked ends at the exchange's forming candle (or a lagging replica's).
    let output = this.#sequencer.fill(page.items, this.options.clock.now(), {
      newestMayBeForming: page.items.length + page.dropped.length < limit,
    });
    await this.#take(output, true);
    const next = earliestFrom(page.items, range.from);
    // The answer has candles after the hole's start but none at it: ask again later, and declare
    // them missing once `gaps.attempts` answers have lacked them.
    if (
      output.backfill !== null &&
      output.backfill.from === range.from &&
      next !== null &&
      next > range.from
    ) {
      const judged = this.#gaps.skipped(range.from, next - this.#interval, this.options.clock.now());
      if (judged.verdict === 'missing') {
        const { gap } = judged;
        this.options.logger.warn(
          `${this.#stream}: the exchange has no candles for ${gap.candles} interval(s) ${spanText(gap)} after ${gap.attempts} answer(s); declared missing, going on without them`,
        );
        output = this.#sequencer.skipMissing(next);
        await this.#take(output, true);
      } else if (judged.gap.attempts === 1) {
        const { gap } = judged;
        this.options.logger.warn(
          `${this.#stream}: the exchange's answer skips ${gap.candles} candle(s) ${spanText(gap)}; asking again in ${gap.nextRetryAt - this.options.clock.now()} ms (up to ${this.options.gaps.attempts} answers), newer candles wait`,
        );
      }
    }
    return output;
  }

  #fetch(
    operation: string,
    signal: AbortSignal | undefined,
    call: () => Promise<Checked<Candle>>,
  ): Promise<Checked<Candle>> {
    return this.options.gate.callChecked(operation, call, { attempts: this.options.attempts, signal });
  }

  async #take(output: SequencerOutput, backfill: boolean): Promise<void> {
    if (output.misaligned > 0)
      this.options.gate.malformed(
        `candles ${this.options.symbol} ${this.options.timeframe}`,
        'open time off the timeframe grid',
        output.misaligned,
      );
    for (const candle of output.publish) {
      await this.options.publish(candle);
      this.#published++;
      if (backfill) this.#backfilled++;
      this.#lastPublishedAt = this.options.clock.now();
    }
    const filled = this.#gaps.settle(this.#sequencer.lastPublished);
    if (filled !== null)
      this.options.logger.log(
        `${this.#stream}: ${filled.candles} candle(s) ${spanText(filled)} filled after ${filled.attempts} answer(s) lacked them`,
      );
  }

  get #stream(): string {
    return `${this.options.client.id} ${this.options.symbol} ${this.options.timeframe}`;
  }

  #lastClosed(): number {
    return Math.floor(this.options.clock.now() / this.#interval) * this.#interval - this.#interval;
  }
}

/** The earliest open time at or after `from` in a page (pages may come shuffled), or null. */
function earliestFrom(candles: readonly Candle[], from: number): number | null {
  let earliest: number | null = null;
  for (const candle of candles)
    if (candle.timestamp >= from && (earliest === null || candle.timestamp < earliest))
      earliest = candle.timestamp;
  return earliest;
}

function iso(time: number): string {
  return new Date(time).toISOString();
}

/** `from A to B` (open times, inclusive). */
function spanText(span: { readonly from: number; readonly to: number }): string {
  return span.from === span.to ? `at ${iso(span.from)}` : `from ${iso(span.from)} to ${iso(span.to)}`;
}
