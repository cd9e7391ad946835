/**
 * The averages every streaming indicator is built from. They are ours, not trading-signals'
 * classes: the library keeps its state in private fields, so an engine snapshot could not save
 * it. Each repeats the library's arithmetic operation for operation (the same doubles, not just
 * close ones; moving-averages.spec.ts and the indicators' own specs prove it against the library
 * on real candles).
 */
import type { Candle } from '../../domain/market-data.types.js';
import {
  check,
  count,
  nullable,
  num,
  object,
  present,
  type Snapshotable,
} from '../../snapshot/state-codec.js';
import { StreamingBase } from '../indicator.types.js';
import { RollingWindow, type RollingWindowState } from './rolling-window.js';
import { NAN } from '../../domain/fast-math.js';

/** Mean of the last `period` inputs (trading-signals' SMA: the window summed oldest first ÷ period). */
export class SimpleAverage implements Snapshotable<RollingWindowState> {
  readonly #window: RollingWindow;

  constructor(readonly period: number) {
    this.#window = new RollingWindow(period);
  }

  add(value: number): number | null {
    this.#window.push(value);
    return this.#window.isFull ? this.#window.sum() / this.period : null;
  }

  save(): RollingWindowState {
    return this.#window.save();
  }

  load(state: unknown, path: string): void {
    this.#window.load(state, path);
  }
}

/** Sum and count of the seed inputs, then the running value (NaN until seeded). */
export interface SmoothedAverageState {
  readonly seedSum: number;
  readonly seen: number;
  readonly value: number;
}

const SMOOTHED = object<SmoothedAverageState>({ seedSum: num, seen: count, value: num });

/** An average seeded with the SMA of the first `period` inputs, then updated recursively. */
abstract class SmoothedAverage implements Snapshotable<SmoothedAverageState> {
  #seedSum = 0;
  #seen = 0;
  #value = NAN;

  constructor(readonly period: number) {}

  protected abstract seeded(seed: number): number;
  protected abstract next(input: number, previous: number): number;

  add(input: number): number | null {
    if (this.#seen < this.period) {
      this.#seedSum += input;
      this.#seen++;
      if (this.#seen < this.period) return null;
      this.#value = this.seeded(this.#seedSum / this.period);
      return this.#value;
    }
    this.#value = this.next(input, this.#value);
    return this.#value;
  }

  save(): SmoothedAverageState {
    return { seedSum: this.#seedSum, seen: this.#seen, value: this.#value };
  }

  load(state: unknown, path: string): void {
    const s = SMOOTHED(state, path);
    check(s.seen <= this.period, `${path}.seen`, `${s.seen} seed inputs for period ${this.period}`);
    this.#seedSum = s.seedSum;
    this.#seen = s.seen;
    this.#value = s.value;
  }
}

/**
 * TA-Lib's EMA (ta_EMA.c, default compatibility): the first value is the SMA of the first
 * `period` inputs, then `ema = x · k + ema · (1 − k)` with k = 2 / (period + 1). trading-signals'
 * EMA seeds with its first input instead; the engine fed it the SMA seed, so the first value is
 * seed · k + seed · (1 − k) — kept, since it can differ from the seed by an ulp.
 */
export class SeededEma extends SmoothedAverage {
  readonly #k: number;

  constructor(period: number) {
    super(period);
    this.#k = 2 / (period + 1);
  }

  protected seeded(seed: number): number {
    return this.next(seed, seed);
  }

  protected next(input: number, previous: number): number {
    return input * this.#k + previous * (1 - this.#k);
  }
}

/** Wilder's smoothing (RMA; trading-signals' WSMA): SMA seed, then `x̄ += (x − x̄) / period`. */
export class WilderAverage extends SmoothedAverage {
  readonly #factor: number;

  constructor(period: number) {
    super(period);
    this.#factor = 1 / period;
  }

  protected seeded(seed: number): number {
    return seed;
  }

  protected next(input: number, previous: number): number {
    return (input - previous) * this.#factor + previous;
  }
}

/** A closes-only indicator's state: its latest result and its average's. */
export interface CloseAverageState {
  readonly result: number | null;
  readonly average: RollingWindowState | SmoothedAverageState;
}

const CLOSE_AVERAGE = object<{ result: number | null; average: unknown }>({
  result: nullable(num),
  average: present,
});

/** An average of closes as an indicator (CloseSma, CloseEma). */
export abstract class CloseAverage extends StreamingBase<number, CloseAverageState> {
  readonly warmUp: number;

  constructor(private readonly average: SimpleAverage | SmoothedAverage) {
    super();
    this.warmUp = average.period;
  }

  add(candle: Candle): number | null {
    this.result = this.average.add(candle.close);
    return this.result;
  }

  save(): CloseAverageState {
    return { result: this.result, average: this.average.save() };
  }

  load(state: unknown, path: string): void {
    const s = CLOSE_AVERAGE(state, path);
    this.average.load(s.average, `${path}.average`);
    this.result = s.result;
  }
}
