import { MarketEventName, type MarketRef, type Timeframe, timeframeToMs } from '@app/contracts';
import { validateBusEvent } from '@app/contracts/dto';
import type { StoredCandle } from '@app/persistence';
import type { MarketEvent } from './analysis.types.js';
import type { RepairStore } from './repair.js';

type CandleEvent = Extract<MarketEvent, { name: typeof MarketEventName.CandleClosed }>;

/** One stream's stored candles, read a page at a time. */
interface StreamCursor {
  readonly timeframe: Timeframe;
  readonly interval: number;
  buffer: StoredCandle[];
  position: number;
  /** Open time the next page starts at. */
  nextFrom: number;
  exhausted: boolean;
  /** Open time of the candle last taken. */
  previous: number | null;
}

/** The first candle a stream lacks: the engine would have taken it before the candle being fed. */
export interface FeedHole {
  readonly timeframe: Timeframe;
  /** Its open time. */
  readonly time: number;
}

/**
 * The stored candles of every stream of a market as closed-candle events in the order they
 * closed; on a tie the shorter timeframe first, as replay and the exchange feeds publish them.
 * It notices the first candle missing from any stream as soon as a later-closing candle is fed:
 * from there on the engine is not where the worker's was.
 */
export class CandleMerge {
  readonly #cursors: StreamCursor[];
  #hole: FeedHole | null = null;

  constructor(
    private readonly market: MarketRef,
    timeframes: readonly Timeframe[],
    private readonly store: RepairStore,
    private readonly pageSize: number,
  ) {
    this.#cursors = timeframes.map((timeframe) => ({
      timeframe,
      interval: timeframeToMs(timeframe),
      buffer: [],
      position: 0,
      nextFrom: 0,
      exhausted: false,
      previous: null,
    }));
  }

  /** The first missing candle before the last one `next` returned, or null while there is none. */
  get hole(): FeedHole | null {
    return this.#hole;
  }

  async next(): Promise<CandleEvent | null> {
    let best: { cursor: StreamCursor; candle: StoredCandle; close: number } | null = null;
    for (const cursor of this.#cursors) {
      const candle = await this.#peek(cursor);
      if (candle === undefined) continue;
      const close = candle.timestamp + cursor.interval;
      if (
        best === null ||
        close < best.close ||
        (close === best.close && cursor.interval < best.cursor.interval)
      )
        best = { cursor, candle, close };
    }
    if (best === null) return null;
    this.#hole ??= this.#missingBefore(best);
    best.cursor.position++;
    best.cursor.previous = best.candle.timestamp;
    const { timestamp, open, high, low, close, volume, source } = best.candle;
    // Validated as the bus validates what the worker receives: a stored candle that would not
    // pass is named, not analysed.
    const validated = validateBusEvent(MarketEventName.CandleClosed, {
      exchange: this.market.exchange,
      symbol: this.market.symbol,
      timeframe: best.cursor.timeframe,
      source,
      emittedAt: best.close,
      candle: { timestamp, open, high, low, close, volume },
    });
    if (!validated.ok)
      throw new RangeError(
        `stored candle ${this.market.exchange} ${this.market.symbol} ${best.cursor.timeframe} ` +
          `${new Date(timestamp).toISOString()} is invalid: ${validated.errors.join('; ')}`,
      );
    return { name: MarketEventName.CandleClosed, payload: validated.value };
  }

  /**
   * A stream's candle after its previous one that closes before `best` would already have been
   * fed (on a tie, when its timeframe is shorter); `best` was chosen as the earliest close, so
   * such a candle is not stored. For `best`'s own stream, a step longer than the interval.
   */
  #missingBefore(best: { cursor: StreamCursor; candle: StoredCandle; close: number }): FeedHole | null {
    for (const cursor of this.#cursors) {
      // Months differ in length: their next open is not previous + a fixed interval.
      if (cursor.previous === null || cursor.timeframe === '1M') continue;
      const expected = cursor.previous + cursor.interval;
      if (cursor === best.cursor) {
        if (best.candle.timestamp > expected) return { timeframe: cursor.timeframe, time: expected };
        continue;
      }
      const close = expected + cursor.interval;
      if (close < best.close || (close === best.close && cursor.interval < best.cursor.interval))
        return { timeframe: cursor.timeframe, time: expected };
    }
    return null;
  }

  async #peek(cursor: StreamCursor): Promise<StoredCandle | undefined> {
    if (cursor.position < cursor.buffer.length) return cursor.buffer[cursor.position];
    if (cursor.exhausted) return undefined;
    const page = await this.store.candles(
      { ...this.market, timeframe: cursor.timeframe },
      cursor.nextFrom,
      this.pageSize,
    );
    cursor.buffer = page;
    cursor.position = 0;
    const last = page.at(-1);
    if (last === undefined || page.length < this.pageSize) cursor.exhausted = true;
    if (last !== undefined) cursor.nextFrom = last.timestamp + 1;
    return page[0];
  }
}
