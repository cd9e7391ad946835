import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { type AnalysisEventName, type MarketRef, marketId } from '@app/contracts';
import { type BusEventPayload, type CandleClosedEvent, type EventData } from '@app/contracts/dto';

/** The pipeline benchmark's instruments: a counting logger and the candle → result latency probe. */

type Updated = BusEventPayload<typeof AnalysisEventName.ConfluenceUpdated>;

/** Counts what the libs log; shows the first few warnings and errors, so a flood stays readable. */
export class BenchLogger {
  lines = 0;
  warnings = 0;
  errors = 0;

  log(): void {
    this.lines++;
  }

  warn(message: string): void {
    this.warnings++;
    this.#show('warn', message);
  }

  error(message: string): void {
    this.errors++;
    this.#show('error', message);
  }

  #show(level: string, message: string): void {
    const count = this.warnings + this.errors;
    if (count <= 5) console.error(`  [${level}] ${message}`);
    else if (count === 6) console.error('  [...] further warnings/errors counted, not shown');
  }
}

/** Stamps each candle as it is handed to the bus and matches it with its `confluence.updated`. */
export class LatencyProbe {
  readonly #sentAt = new Map<string, number>();
  readonly #samples: number[] = [];
  #received = 0;
  #unmatched = 0;
  #lastAt = Number.NaN;

  sent(event: EventData<CandleClosedEvent>): void {
    this.#sentAt.set(key(event, event.timeframe, event.candle.timestamp), performance.now());
  }

  received(payload: Updated): void {
    if (payload.trigger !== 'candle') return;
    const at = performance.now();
    this.#lastAt = at;
    this.#received++;
    const id = key(payload, payload.timeframe, payload.candleTime);
    const sentAt = this.#sentAt.get(id);
    if (sentAt === undefined) {
      this.#unmatched++;
      return;
    }
    this.#sentAt.delete(id);
    this.#samples.push(at - sentAt);
  }

  get count(): number {
    return this.#received;
  }

  get unmatched(): number {
    return this.#unmatched;
  }

  /** performance.now() of the last result received. */
  get lastAt(): number {
    return this.#lastAt;
  }

  /** Resolves once `expected` results arrived; false on timeout. */
  async until(expected: number, timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (this.#received < expected) {
      if (performance.now() > deadline) return false;
      await delay(2);
    }
    return true;
  }

  sorted(): number[] {
    return [...this.#samples].sort((a, b) => a - b);
  }
}

export function key(market: MarketRef, timeframe: string, candleTime: number): string {
  return `${marketId(market)} ${timeframe} ${candleTime}`;
}

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}
