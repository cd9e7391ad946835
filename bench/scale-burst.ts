import { type IntervalHistogram, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { type AnalysisEventName, DataSource } from '@app/contracts';
import type { BusEventPayload, CandleClosedEvent, EventData } from '@app/contracts/dto';
import { resultKey } from './scale-baseline.js';
import type { BurstClose } from './scale-markets.js';

/** The scale benchmark's minute-close bursts: publishing one, timing it, tallying its results. */

type Updated = BusEventPayload<typeof AnalysisEventName.ConfluenceUpdated>;

/** Longest wait for a burst's results (a stuck path fails the run, it does not hang it). */
export const BURST_TIMEOUT_MS = 60_000;

/** What a mode offers the burst runner: market-data's side of its bus, and its store. */
export interface BurstPath {
  readonly label: string;
  /** Hands one close to the bus, as market-data does at the minute. */
  publish(event: EventData<CandleClosedEvent>): Promise<void>;
  /**
   * Resolves once every result of the burst is in the store, given that all `results` of it
   * reached the consumer (local: the write path drained; elsewhere: the store counted).
   */
  stored(results: number): Promise<void>;
  /** Bulk writes done so far (the worker's write path). */
  writes(): number;
}

/**
 * Every `confluence.updated` a consumer receives: counted by result key over the whole run
 * (exactly once each is the contract), latency from its close handed to the bus.
 */
export class ResultTally {
  readonly #sentAt = new Map<string, number>();
  readonly #counts = new Map<string, number>();
  #latencies: number[] = [];
  #received = 0;
  #waiting: { readonly count: number; readonly resolve: () => void } | null = null;
  lastAt = Number.NaN;
  refreshes = 0;

  sent(key: string): void {
    this.#sentAt.set(key, performance.now());
  }

  received(payload: Updated): void {
    if (payload.trigger !== 'candle') {
      this.refreshes++;
      return;
    }
    const at = performance.now();
    this.lastAt = at;
    const key = resultKey(payload, payload.timeframe, payload.candleTime);
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
    const sentAt = this.#sentAt.get(key);
    if (sentAt !== undefined) {
      this.#sentAt.delete(key);
      this.#latencies.push(at - sentAt);
    }
    this.#received++;
    if (this.#waiting !== null && this.#received >= this.#waiting.count) {
      this.#waiting.resolve();
      this.#waiting = null;
    }
  }

  /** Starts a burst's count and latencies. */
  reset(): void {
    this.#latencies = [];
    this.#received = 0;
    this.lastAt = Number.NaN;
  }

  get count(): number {
    return this.#received;
  }

  /** Resolves true once `count` results of this burst arrived, false after `timeoutMs`. */
  async until(count: number, timeoutMs: number): Promise<boolean> {
    if (this.#received >= count) return true;
    const arrived = new Promise<true>((resolve) => {
      this.#waiting = {
        count,
        resolve: () => {
          resolve(true);
        },
      };
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => {
        resolve(false);
      }, timeoutMs);
    });
    const outcome = await Promise.race([arrived, timeout]);
    clearTimeout(timer);
    this.#waiting = null;
    return outcome;
  }

  latencies(): number[] {
    return [...this.#latencies].sort((a, b) => a - b);
  }

  /** How often each key was received over the run. */
  counts(): ReadonlyMap<string, number> {
    return this.#counts;
  }
}

export interface BurstFigures {
  readonly closes: number;
  readonly results: number;
  readonly expected: number;
  /** ms from the first close handed to the bus to the last close handed (the publish loop). */
  readonly publishMs: number;
  /** ms to the last result received by the consumer. */
  readonly resultsMs: number;
  /** ms to the last result stored. */
  readonly storedMs: number;
  /** max(resultsMs, storedMs): the burst is done when both are. */
  readonly completionMs: number;
  readonly writes: number;
  /** Per result, ms, sorted. */
  readonly latencies: readonly number[];
  readonly timedOut: boolean;
}

/**
 * One burst: every close handed to the bus at once (without waiting for one before the next, as
 * market-data's feeds publish independently), then timed until its `expected` results are received
 * and stored. The event-loop monitor runs only while a burst does.
 */
export async function runBurst(
  path: BurstPath,
  tally: ResultTally,
  closes: readonly BurstClose[],
  expected: number,
  loopDelay: IntervalHistogram | null,
): Promise<BurstFigures> {
  tally.reset();
  const writesBefore = path.writes();
  loopDelay?.enable();
  const start = performance.now();
  const emittedAt = Date.now();
  const publishes = closes.map(({ market, timeframe, candle }) => {
    tally.sent(resultKey(market, timeframe, candle.timestamp));
    return path.publish({
      exchange: market.exchange,
      symbol: market.symbol,
      timeframe,
      source: DataSource.Live,
      emittedAt,
      candle,
    });
  });
  const published = performance.now();
  await Promise.all(publishes);
  const arrived = await tally.until(expected, BURST_TIMEOUT_MS);
  const resultsAt = tally.lastAt;
  let storedAt = Number.NaN;
  if (arrived) {
    await path.stored(expected);
    storedAt = performance.now();
  }
  loopDelay?.disable();
  return {
    closes: closes.length,
    results: tally.count,
    expected,
    publishMs: published - start,
    resultsMs: resultsAt - start,
    storedMs: storedAt - start,
    completionMs: Math.max(resultsAt, storedAt) - start,
    writes: path.writes() - writesBefore,
    latencies: tally.latencies(),
    timedOut: !arrived,
  };
}

export function loopDelayMonitor(): IntervalHistogram {
  return monitorEventLoopDelay({ resolution: 1 });
}
