import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import type { Candle } from '@app/confluence';
import type { AnalysisEventName } from '@app/contracts';
import type { BusEventPayload } from '@app/contracts/dto';

/**
 * The stream benchmark's instrument: each measured close is stamped when the fake writes its
 * frame (or, on the baseline, when it is handed to the bus), when its candle is published on the
 * bus, and when its `confluence.updated` arrives. Every candle published and every candle result
 * of the run is counted, so a lost, repeated or altered one is an error, measured or not.
 */

type Updated = BusEventPayload<typeof AnalysisEventName.ConfluenceUpdated>;

interface Stamps {
  sentAt: number;
  publishedAt: number;
  updatedAt: number;
}

/** One measured close: its market, and ms from the write to the bus and to the result. */
export interface Sample {
  readonly symbol: string;
  readonly candleTime: number;
  /** Frame written (or candle handed to the bus) → its `confluence.updated` received. */
  readonly total: number;
  /** Frame written → the candle published on the bus (ccxt, frame reader, candle feed). */
  readonly toBus: number;
  readonly sentAt: number;
  readonly updatedAt: number;
}

/** What one round (a paced minute, a burst) measured, and what it lacked. */
export interface Round {
  readonly samples: readonly Sample[];
  readonly missing: readonly string[];
}

const key = (symbol: string, candleTime: number): string => `${symbol} ${candleTime}`;

export class CloseProbe {
  /** Closes of the current round, by `symbol candleTime`. */
  readonly #armed = new Map<string, Stamps>();
  /** Every candle published on the bus, per symbol, in order. */
  readonly #published = new Map<string, Candle[]>();
  /** Candle results received per `symbol candleTime`. */
  readonly #results = new Map<string, number>();
  readonly errors: string[] = [];
  #received = 0;

  /** Starts a round measuring these closes (`candleTime`: the candle's open time). */
  arm(closes: readonly { symbol: string; candleTime: number }[]): void {
    this.#armed.clear();
    this.#received = 0;
    for (const { symbol, candleTime } of closes)
      this.#armed.set(key(symbol, candleTime), { sentAt: NaN, publishedAt: NaN, updatedAt: NaN });
  }

  /** The fake wrote the closing frame (the baseline: the candle is about to be published). */
  sent(symbol: string, candleTime: number): void {
    const stamps = this.#armed.get(key(symbol, candleTime));
    if (stamps !== undefined && Number.isNaN(stamps.sentAt)) stamps.sentAt = performance.now();
  }

  /** A `candle.closed` on the bus (subscribed before the worker, so it is stamped first). */
  published(symbol: string, candle: Candle): void {
    const stamps = this.#armed.get(key(symbol, candle.timestamp));
    if (stamps !== undefined) stamps.publishedAt = performance.now();
    const list = this.#published.get(symbol) ?? [];
    const last = list.at(-1);
    if (last !== undefined && candle.timestamp <= last.timestamp)
      this.errors.push(`${symbol}: candle ${iso(candle.timestamp)} published after ${iso(last.timestamp)}`);
    list.push(candle);
    this.#published.set(symbol, list);
  }

  updated(payload: Updated): void {
    if (payload.trigger !== 'candle') return;
    const id = key(payload.symbol, payload.candleTime);
    const count = (this.#results.get(id) ?? 0) + 1;
    this.#results.set(id, count);
    if (count > 1) this.errors.push(`${id}: ${count} results for one close`);
    const stamps = this.#armed.get(id);
    if (stamps === undefined || !Number.isNaN(stamps.updatedAt)) return;
    stamps.updatedAt = performance.now();
    this.#received++;
  }

  /** Resolves once every armed close has its result; false on timeout. */
  async until(timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (this.#received < this.#armed.size) {
      if (performance.now() > deadline) return false;
      await delay(1);
    }
    return true;
  }

  /** The round's samples; closes without a write, a bus event or a result are named as missing. */
  take(): Round {
    const samples: Sample[] = [];
    const missing: string[] = [];
    for (const [id, s] of this.#armed) {
      const lacking = Object.entries({ written: s.sentAt, published: s.publishedAt, scored: s.updatedAt })
        .filter(([, at]) => Number.isNaN(at))
        .map(([what]) => what);
      if (lacking.length > 0) {
        missing.push(`${id} (not ${lacking.join(', ')})`);
        continue;
      }
      const [symbol = '', time = '0'] = id.split(' ');
      samples.push({
        symbol,
        candleTime: Number(time),
        total: s.updatedAt - s.sentAt,
        toBus: s.publishedAt - s.sentAt,
        sentAt: s.sentAt,
        updatedAt: s.updatedAt,
      });
    }
    this.#armed.clear();
    return { samples, missing };
  }

  /**
   * Whole-run checks: each symbol's published candles are the expected series exactly (one run of
   * consecutive candles, values as the dataset has them), and no close had two results.
   */
  verify(expected: ReadonlyMap<string, readonly Candle[]>): string[] {
    const problems = [...this.errors];
    for (const [symbol, series] of expected) {
      const got = this.#published.get(symbol) ?? [];
      const first = got[0];
      if (first === undefined) {
        problems.push(`${symbol}: no candle published`);
        continue;
      }
      const from = series.findIndex((c) => c.timestamp === first.timestamp);
      const want = from < 0 ? [] : series.slice(from, from + got.length);
      const diff = got.findIndex((c, i) => !sameCandle(c, want[i]));
      if (diff >= 0 || want.length !== got.length)
        problems.push(
          `${symbol}: published candle #${diff} (${iso(got[Math.max(0, diff)]?.timestamp ?? 0)}) differs from the dataset's`,
        );
    }
    return problems;
  }

  /** Candles published for `symbol` so far. */
  publishedCount(symbol: string): number {
    return this.#published.get(symbol)?.length ?? 0;
  }
}

function sameCandle(a: Candle, b: Candle | undefined): boolean {
  if (b === undefined) return false;
  return (
    a.timestamp === b.timestamp &&
    a.open === b.open &&
    a.high === b.high &&
    a.low === b.low &&
    a.close === b.close &&
    a.volume === b.volume
  );
}

function iso(time: number): string {
  return new Date(time).toISOString();
}
