import type {
  Candle,
  ConfluenceEngine,
  DerivativesSnapshot,
  MarketId,
  OrderBookSnapshot,
  Trade,
} from '@app/confluence';
import type { Timeframe } from '@app/contracts';
import { prng } from '../prng.js';
import { MINUTE_MS } from './constants.js';

/**
 * Candles of a `factor`× longer timeframe: each group of `factor` candles sharing an aligned
 * longer open time merged (first open, highest high, lowest low, last close, summed volume);
 * incomplete groups are dropped, as an exchange would not have closed them.
 */
export function resampleCandles(
  candles: readonly Candle[],
  factor: number,
  intervalMs = MINUTE_MS,
): Candle[] {
  const span = factor * intervalMs;
  const groups = new Map<number, Candle[]>();
  for (const candle of candles) {
    const open = Math.floor(candle.timestamp / span) * span;
    const group = groups.get(open) ?? [];
    group.push(candle);
    groups.set(open, group);
  }
  return [...groups]
    .filter(([, group]) => group.length === factor)
    .map(([timestamp, group]) => ({
      timestamp,
      open: (group[0] as Candle).open,
      high: Math.max(...group.map((c) => c.high)),
      low: Math.min(...group.map((c) => c.low)),
      close: (group.at(-1) as Candle).close,
      volume: group.reduce((sum, c) => sum + c.volume, 0),
    }));
}

/** One input to the engine, with the caller's clock when it arrives. */
export type ScriptEvent =
  | { readonly kind: 'candle'; readonly timeframe: Timeframe; readonly candle: Candle; readonly now: number }
  | ({
      readonly now: number;
      /** Re-score 1m on it, as a worker's refresh does. */ readonly refresh: boolean;
    } & (
      | { readonly kind: 'book'; readonly book: OrderBookSnapshot }
      | { readonly kind: 'trades'; readonly trades: readonly Trade[] }
      | { readonly kind: 'derivatives'; readonly snapshot: DerivativesSnapshot }
    ));

/** Share of book, trade and derivatives events followed by a re-score. */
const REFRESH_SHARE = 0.15;

/**
 * A market's inputs in arrival order, reproducible from `seed`: every 1m candle at its close, the
 * 5m candle built from them right after the 1m candle it closes with, and inside each minute a
 * seeded mix of order books, trade batches and derivatives snapshots (now and then a stale or
 * repeated one the engine must refuse, a funding rate of −0, a snapshot with an extra field).
 */
export function marketScript(oneMinute: readonly Candle[], seed: number): ScriptEvent[] {
  const random = prng(seed);
  const fiveMinute = new Map(resampleCandles(oneMinute, 5).map((c) => [c.timestamp + 5 * MINUTE_MS, c]));
  const events: ScriptEvent[] = [];
  let lastBook = 0;
  let lastDerivatives = 0;
  for (const candle of oneMinute) {
    const start = candle.timestamp;
    const at = (share: number) => start + Math.floor(share * (MINUTE_MS - 1));
    if (random() < 0.6) {
      const stale = random() < 0.05 && lastBook > 0;
      const timestamp = stale ? lastBook - 1 : at(random() * 0.5);
      if (!stale) lastBook = timestamp;
      const book = ladderAround(candle.close, timestamp, random);
      events.push({ kind: 'book', book, now: timestamp + 5, refresh: random() < REFRESH_SHARE });
    }
    if (random() < 0.8) {
      const times = Array.from({ length: 1 + Math.floor(random() * 25) }, () => at(0.5 + random() * 0.5));
      const trades = times
        .sort((a, b) => a - b)
        .map((timestamp) => ({
          timestamp,
          price: candle.low + random() * (candle.high - candle.low),
          size: random() < 0.03 ? 50 + random() * 500 : random() * 2,
          side: random() < 0.5 ? ('buy' as const) : ('sell' as const),
        }));
      const now = (trades.at(-1) as Trade).timestamp + 5;
      events.push({ kind: 'trades', trades, now, refresh: random() < REFRESH_SHARE });
    }
    if (random() < 0.3) {
      const timestamp = random() < 0.05 && lastDerivatives > 0 ? lastDerivatives : at(0.9);
      lastDerivatives = timestamp;
      const snapshot = derivatives(timestamp, random);
      events.push({ kind: 'derivatives', snapshot, now: timestamp + 5, refresh: random() < REFRESH_SHARE });
    }
    const close = start + MINUTE_MS;
    events.push({ kind: 'candle', timeframe: '1m', candle, now: close });
    const five = fiveMinute.get(close);
    if (five !== undefined) events.push({ kind: 'candle', timeframe: '5m', candle: five, now: close });
  }
  return events;
}

function ladderAround(mid: number, timestamp: number, random: () => number): OrderBookSnapshot {
  const tick = mid * 1e-4;
  const side = (direction: 1 | -1) =>
    Array.from({ length: 10 }, (_, i) => ({
      price: mid + direction * (i + 1) * tick,
      size: random() < 0.1 ? 20 + random() * 100 : random() * 5 + 0.01,
    }));
  return { timestamp, bids: side(-1), asks: side(1) };
}

function derivatives(timestamp: number, random: () => number): DerivativesSnapshot {
  const snapshot: DerivativesSnapshot = {
    timestamp,
    ...(random() < 0.8 ? { fundingRate: random() < 0.1 ? -0 : (random() - 0.5) * 1e-3 } : {}),
    ...(random() < 0.8 ? { openInterest: 10_000 + random() * 1_000 } : {}),
    ...(random() < 0.6 ? { longShortRatio: 0.5 + random() } : {}),
    ...(random() < 0.5
      ? { liquidations: { long: random() * 1e5, short: random() < 0.3 ? 0 : random() * 1e5 } }
      : {}),
  };
  // Exchanges' payloads carry more than the engine reads; it hashes them as given.
  return random() < 0.1 ? Object.assign(snapshot, { venue: 'perpetual' }) : snapshot;
}

/**
 * Feeds one event to `market` and returns what the engine answered: the feed result and, after a
 * candle or a refreshing event, the analysis of the candle's timeframe (or 1m).
 */
export function playEvent(engine: ConfluenceEngine, market: MarketId, event: ScriptEvent): unknown[] {
  if (event.kind === 'candle') {
    const key = { ...market, timeframe: event.timeframe };
    return [engine.addCandle(key, event.candle), engine.analyze(key, event.now)];
  }
  const o = engine;
  const fed =
    event.kind === 'book'
      ? o.updateOrderBook(market, event.book)
      : event.kind === 'trades'
        ? o.addTrades(market, event.trades)
        : o.updateDerivatives(market, event.snapshot);
  return event.refresh ? [fed, engine.analyze({ ...market, timeframe: '1m' }, event.now)] : [fed];
}
