import type { Timeframe } from '@app/contracts';
import { type Candle, ownCandle } from '../domain/market-data.types.js';
import { CandleChain, type CandleChainState } from '../hashing/candle-chain.js';
import type { IndicatorReader } from '../components/component.types.js';
import { toColumns } from '../indicators/indicator.types.js';
import {
  IndicatorSet,
  type IndicatorPlan,
  type IndicatorSetState,
  type IndicatorValues,
} from '../indicators/indicator-set.js';
import { type CandleTuple, candleTuple, decodeCandles } from '../snapshot/market-data.codec.js';
import { check, object, present, type Snapshotable } from '../snapshot/state-codec.js';

/** What the orchestrator reads of a stream. */
export interface StreamView {
  readonly timeframe: Timeframe;
  readonly indicators: IndicatorReader;
  readonly isReady: boolean;
  readonly lastCandle: Candle | undefined;
  readonly digest: string;
  readonly candleCount: number;
  recentCandles(): readonly Candle[];
  snapshot(): IndicatorValues;
}

/**
 * A stream's state: its indicators, the candles the components read (the last `windowSize`; the
 * newest is the last candle) and the fingerprint chain of every candle taken.
 */
export interface MarketStreamState {
  readonly indicators: IndicatorSetState;
  readonly window: readonly CandleTuple[];
  readonly chain: CandleChainState;
}

const STATE = object<{ indicators: unknown; window: unknown; chain: unknown }>({
  indicators: present,
  window: present,
  chain: present,
});

/** State of one (exchange, symbol, timeframe): indicators, a candle window and the input digest. */
export class MarketStream implements StreamView, Snapshotable<MarketStreamState> {
  readonly indicators: IndicatorSet;
  #window: Candle[] = [];
  readonly #chain = new CandleChain();
  #last: Candle | undefined;

  constructor(
    readonly timeframe: Timeframe,
    plan: IndicatorPlan,
    private readonly windowSize: number,
  ) {
    this.indicators = new IndicatorSet(plan);
  }

  get lastCandle(): Candle | undefined {
    return this.#last;
  }

  /** Fingerprint of every candle the stream has taken (see CandleChain). */
  get digest(): string {
    return this.#chain.hex();
  }

  get candleCount(): number {
    return this.indicators.candleCount;
  }

  get isReady(): boolean {
    return this.indicators.isReady;
  }

  snapshot(): IndicatorValues {
    return this.indicators.snapshot();
  }

  /** The most recent candles, oldest first (at most the window size). */
  get window(): readonly Candle[] {
    return this.#window;
  }

  add(received: Candle): void {
    const candle = ownCandle(received);
    this.indicators.add(candle);
    this.#window.push(candle);
    // Trim in batches so the window costs amortised O(1) per candle.
    if (this.#window.length >= 2 * this.windowSize) this.#window = this.#window.slice(-this.windowSize);
    this.#chain.add(candle);
    this.#last = candle;
  }

  recentCandles(): readonly Candle[] {
    return this.#window.length > this.windowSize ? this.#window.slice(-this.windowSize) : this.#window;
  }

  save(): MarketStreamState {
    return {
      indicators: this.indicators.save(),
      window: this.recentCandles().map(candleTuple),
      chain: this.#chain.save(),
    };
  }

  load(state: unknown, path: string): void {
    const s = STATE(state, path);
    const window = decodeCandles(s.window, `${path}.window`, this.timeframe);
    this.indicators.load(s.indicators, `${path}.indicators`);
    this.#chain.load(s.chain, `${path}.chain`);
    const taken = this.indicators.candleCount;
    check(
      this.#chain.count === taken,
      `${path}.chain.count`,
      `${this.#chain.count} ≠ ${taken} candles taken`,
    );
    check(
      window.length === Math.min(taken, this.windowSize),
      `${path}.window`,
      `${window.length} candles, expected the last ${Math.min(taken, this.windowSize)} taken`,
    );
    this.#window = window;
    this.#last = window.at(-1);
  }
}

/**
 * A stream loaded from a whole series at once through the batch kernels (cold analysis): the
 * same values as streaming the series, at a fraction of the cost, but it cannot take more candles.
 */
export class BatchStream implements StreamView {
  readonly indicators: IndicatorReader;
  readonly lastCandle: Candle | undefined;
  readonly digest: string;
  readonly candleCount: number;
  readonly isReady: boolean;
  readonly #recent: readonly Candle[];
  readonly #values: IndicatorValues;

  constructor(
    readonly timeframe: Timeframe,
    plan: IndicatorPlan,
    candles: readonly Candle[],
    windowSize: number,
  ) {
    const columns = plan.computeColumns(toColumns(candles));
    const last = candles.length - 1;
    this.#values = Object.fromEntries(
      plan.names.map((name) => {
        const value = columns.get(name)?.[last];
        return [name, value !== undefined && Number.isFinite(value) ? value : null];
      }),
    );
    const values = this.#values;
    this.indicators = { get: (name) => values[name] ?? null };
    this.lastCandle = candles.at(-1);
    this.candleCount = candles.length;
    this.isReady = candles.length >= plan.warmUp;
    this.#recent = candles.slice(-windowSize);
    const chain = new CandleChain();
    for (const candle of candles) chain.add(candle);
    this.digest = chain.hex();
  }

  recentCandles(): readonly Candle[] {
    return this.#recent;
  }

  snapshot(): IndicatorValues {
    return this.#values;
  }
}
