import type { CsvCandle } from '../market-data.js';
import { prng } from '../prng.js';
import { type FakeDataset, formingCandle, lowerBound } from './candles.js';
import type { BookModel, BookStep } from './book-model.js';
import type { StreamProtocol, TimedFrame, TopicFrame } from './stream-protocol.js';
import type { TopicSpec } from './stream-types.js';
import { hashSeed, mixSeed, type SyntheticTrade } from './synth.js';

type KlineSpec = Extract<TopicSpec, { kind: 'kline' }>;
type TradeSpec = Extract<TopicSpec, { kind: 'trade' }>;

/**
 * Whether a stream updating every `everyMs` of the clock, offset by `phase`, has an update due in
 * (since, now]; with `everyMs` 0, whenever the clock moved.
 */
export function updateDue(since: number, now: number, everyMs: number, phase: number): boolean {
  if (everyMs <= 0) return now > since;
  return Math.floor((now + phase) / everyMs) > Math.floor((since + phase) / everyMs);
}

/** How a kline stream runs: `delayMs` behind the clock, its forming candle every `updateMs` at `phase`. */
export interface KlineTiming {
  readonly delayMs: number;
  readonly updateMs: number;
  readonly phase: number;
}

const PROMPT: KlineTiming = { delayMs: 0, updateMs: 0, phase: 0 };

/**
 * Kline frames due in (since, now]: the final frame of every candle that closed in that span,
 * stamped at its close, with the dataset's values exactly (what the REST klines route serves once
 * closed); then one frame of the candle forming at `now`, with the REST route's forming values
 * (when an update is due). A stream running `delayMs` behind reads the candles at `now - delayMs`
 * and stamps its closes that much after they end.
 */
export function klineFrames(
  protocol: StreamProtocol,
  spec: KlineSpec,
  candles: readonly CsvCandle[],
  since: number,
  now: number,
  timing: KlineTiming = PROMPT,
): TimedFrame[] {
  const { delayMs } = timing;
  const out: TimedFrame[] = [];
  if (now <= since) return out;
  const interval = spec.intervalMs;
  const [from, to] = [since - delayMs, now - delayMs];
  // Closed in (from, to]: open time in (from - interval, to - interval].
  for (let i = lowerBound(candles, from - interval + 1); i < candles.length; i++) {
    const candle = candles[i] as CsvCandle;
    const close = candle.timestamp + interval;
    if (close > to) break;
    const time = close + delayMs;
    out.push({
      time,
      text: protocol.kline(spec, candle, true, time),
      closed: { symbol: spec.symbol, timeframe: spec.timeframe, candleTime: candle.timestamp },
    });
  }
  const forming = candles[lowerBound(candles, to - interval + 1)];
  if (
    forming !== undefined &&
    forming.timestamp <= to &&
    to < forming.timestamp + interval &&
    updateDue(since, now, timing.updateMs, timing.phase)
  ) {
    const partial = formingCandle(forming, spec.market.priceDecimals);
    out.push({ time: now, text: protocol.kline(spec, partial, false, now) });
  }
  return out;
}

/** The finest candles of a market (trade prices fall inside the candle covering their time). */
export interface PriceSeries {
  readonly candles: readonly CsvCandle[];
  readonly intervalMs: number;
}

export function priceSeries(dataset: FakeDataset, spec: TopicSpec): PriceSeries | undefined {
  return dataset.finest(spec.exchange, spec.symbol);
}

/**
 * Synthetic trades in (since, now]: one per slot of `slotMs`, at a seeded time inside it, priced
 * inside the candle covering that time; the trade id is the slot number, so ids grow with time and
 * every pump sees the same tape. At most `max` (the latest) per call.
 */
export function synthTrades(
  spec: TradeSpec,
  series: PriceSeries,
  since: number,
  now: number,
  slotMs: number,
  max: number,
): SyntheticTrade[] {
  if (now <= since) return [];
  const lastSlot = Math.floor(now / slotMs);
  const firstSlot = Math.max(Math.floor(since / slotMs), lastSlot - max);
  const seed = hashSeed(`${spec.exchange}|${spec.venue}|${spec.market.id}|trade`);
  const qtyDecimals =
    spec.exchange === 'binance'
      ? spec.venue === 'spot'
        ? spec.market.qty.binanceSpot
        : spec.market.qty.binancePerp
      : spec.venue === 'spot'
        ? spec.market.qty.bybitSpot
        : spec.market.qty.bybitPerp;
  const qtyScale = 10 ** qtyDecimals;
  const priceScale = 10 ** spec.market.priceDecimals;
  const lot = 1 / qtyScale;
  const out: SyntheticTrade[] = [];
  for (let slot = firstSlot; slot <= lastSlot; slot++) {
    const random = prng(mixSeed(seed, slot));
    const time = slot * slotMs + Math.floor(random() * slotMs);
    if (time <= since || time > now) continue;
    const at = lowerBound(series.candles, time + 1) - 1;
    const candle = series.candles[at];
    if (candle === undefined || time >= candle.timestamp + series.intervalMs) continue;
    const price = Math.round((candle.low + random() * (candle.high - candle.low)) * priceScale) / priceScale;
    const unit = Math.max(lot, 500 / candle.close);
    const qty = Math.max(1, Math.floor(unit * random() * 2 * qtyScale)) / qtyScale;
    out.push({ id: slot, time, price, qty, buyerMaker: random() < 0.5 });
  }
  return out.slice(-max);
}

/** One stream's state, shared by every socket (`S`) subscribed to it. */
export interface TopicState<S> {
  readonly spec: TopicSpec;
  readonly protocol: StreamProtocol;
  readonly subscribers: Set<S>;
  /** Frames up to this clock reading have been emitted. */
  since: number;
  readonly candles: readonly CsvCandle[] | undefined;
  readonly series: PriceSeries | undefined;
  readonly model: BookModel | undefined;
}

export interface CollectOptions {
  readonly tradeSlotMs: number;
  readonly maxTrades: number;
  /** How far behind the clock a market's kline streams run (StreamOptions.klineDelayMs). */
  readonly klineDelayMs: (marketId: string) => number;
  /** StreamOptions.klineUpdateMs (0: a forming frame every pump). */
  readonly klineUpdateMs: number;
  /** Steps a model once (or not, `undefined`), given the names of its live topics. */
  readonly stepBook: (model: BookModel, topics: readonly string[]) => BookStep | undefined;
}

/**
 * Every frame due in (since, now] of each topic, grouped per subscriber (unsorted). Each frame is
 * serialised once, whatever the number of subscribers; each topic's `since` moves to `now`.
 */
export function collectFrames<S>(
  topics: Iterable<TopicState<S>>,
  now: number,
  options: CollectOptions,
): Map<S, TopicFrame[]> {
  const outbox = new Map<S, TopicFrame[]>();
  const queue = (state: TopicState<S>, frames: readonly TimedFrame[]): void => {
    if (frames.length === 0) return;
    const topic = state.spec.name;
    const tagged = frames.map((frame): TopicFrame => ({ ...frame, topic }));
    for (const subscriber of state.subscribers) {
      const list = outbox.get(subscriber);
      if (list === undefined) outbox.set(subscriber, tagged.slice());
      else for (const frame of tagged) list.push(frame);
    }
  };
  const byModel = new Map<BookModel, TopicState<S>[]>();
  for (const state of topics) {
    const { spec, since } = state;
    if (spec.kind === 'kline' && state.candles !== undefined) {
      const timing = {
        delayMs: options.klineDelayMs(spec.market.id),
        updateMs: options.klineUpdateMs,
        phase: options.klineUpdateMs > 0 ? hashSeed(spec.key) % options.klineUpdateMs : 0,
      };
      queue(state, klineFrames(state.protocol, spec, state.candles, since, now, timing));
    } else if (spec.kind === 'trade' && state.series !== undefined) {
      const trades = synthTrades(spec, state.series, since, now, options.tradeSlotMs, options.maxTrades);
      queue(state, state.protocol.trades(spec, trades));
    } else if (spec.kind === 'book' && state.model !== undefined) {
      byModel.set(state.model, [...(byModel.get(state.model) ?? []), state]);
    }
    state.since = Math.max(since, now);
  }
  for (const [model, states] of byModel) {
    const step = options.stepBook(
      model,
      states.map((s) => s.spec.name),
    );
    if (step === undefined) continue;
    for (const state of states) {
      if (state.spec.kind !== 'book') continue;
      queue(state, [{ time: now, text: state.protocol.bookDiff(state.spec, step, model, now) }]);
    }
  }
  return outbox;
}
