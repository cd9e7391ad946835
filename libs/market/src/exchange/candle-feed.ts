import type { Candle } from '@app/confluence';
import { type Timeframe, timeframeToMs } from '@app/contracts';
import { CandleSequencer, type SequencerOutput } from '../candle-sequencer.js';
import type { Clock, MarketLogger } from '../clock.js';
import type { ExchangeGate } from '../faults/exchange-gate.js';
import type { MarketClient } from './market-client.js';
import type { Checked } from './response-validation.js';

/** Candles asked for on each routine poll: the forming one, the one just closed, and one spare. */
const RECENT_CANDLES = 3;

export interface CandleFeedOptions {
  readonly symbol: string;
  readonly timeframe: Timeframe;
  readonly client: MarketClient;
  readonly gate: ExchangeGate;
  readonly clock: Clock;
  readonly logger: MarketLogger;
  /** Tries per call, retries included. */
  readonly attempts: number;
  readonly publish: (candle: Candle) => Promise<void>;
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
  /** Intervals the exchange had no candle for (skipped after a successful backfill proved it). */
  readonly missing: number;
  readonly awaitingBackfill: { readonly from: number; readonly to: number } | null;
}

/**
 * One market's candle pipeline: polls the recent candles, lets the sequencer decide what closed,
 * and fills every hole from REST history before anything newer is published — so consumers see
 * each closed candle once, in order, without gaps the exchange could have filled.
 */
export class CandleFeed {
  readonly #sequencer: CandleSequencer;
  readonly #interval: number;
  #lastPublishedAt: number | null = null;
  #published = 0;
  #backfilled = 0;
  #missing = 0;

  constructor(private readonly options: CandleFeedOptions) {
    this.#sequencer = new CandleSequencer(options.timeframe);
    this.#interval = timeframeToMs(options.timeframe);
  }

  /**
   * Starts the series so the first poll backfills `warmup` closed candles (the warm-up is just the
   * first hole), or after `lastKnown` (the last candle a consumer already has) when given.
   */
  startAt(warmup: number, lastKnown: number | null = null): void {
    const now = this.options.clock.now();
    const lastClosed = Math.floor(now / this.#interval) * this.#interval - this.#interval;
    this.#sequencer.resumeAfter(lastKnown ?? lastClosed - warmup * this.#interval);
  }

  /** One routine poll; throws the gate's ExchangeCallError when the exchange fails it. */
  async poll(signal?: AbortSignal): Promise<void> {
    const { symbol, timeframe, client } = this.options;
    const page = await this.#fetch(`fetchOHLCV ${symbol} ${timeframe}`, signal, () =>
      client.fetchCandles(symbol, timeframe, undefined, RECENT_CANDLES),
    );
    let output = this.#sequencer.update(page.items, this.options.clock.now());
    await this.#take(output, false);
    while (output.backfill !== null) {
      const before = this.#sequencer.lastPublished;
      output = await this.#backfill(output.backfill, signal);
      // No progress (a stale page, say): leave the hole for the next poll rather than spin.
      if (this.#sequencer.lastPublished === before) break;
    }
  }

  status(): CandleFeedStatus {
    return {
      symbol: this.options.symbol,
      timeframe: this.options.timeframe,
      lastCandle: this.#sequencer.lastPublished,
      lastPublishedAt: this.#lastPublishedAt,
      published: this.#published,
      backfilled: this.#backfilled,
      missing: this.#missing,
      awaitingBackfill: this.#sequencer.awaitingBackfill,
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
    const after = page.items.filter((candle) => candle.timestamp >= range.from);
    const first = after[0];
    // The exchange answered past the hole's start but has nothing at it: those candles do not exist.
    if (output.backfill !== null && output.backfill.from === range.from && first !== undefined) {
      const skipped = Math.round((first.timestamp - range.from) / this.#interval);
      this.#missing += skipped;
      this.options.logger.warn(
        `${client.id} ${symbol} ${timeframe}: the exchange has no candles for ${skipped} interval(s) from ${new Date(range.from).toISOString()}; going on without them`,
      );
      output = this.#sequencer.skipMissing(first.timestamp);
      await this.#take(output, true);
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
  }
}
