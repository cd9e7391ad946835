import type { BookLevel, DerivativesSnapshot, OrderBookSnapshot, Trade, TradeSide } from '@app/confluence';
import { checkCount, FACTORY_EPOCH } from './constants.js';

export interface LadderOptions {
  readonly timestamp?: number;
  /** Mid price between the best bid and the best ask; default 100. */
  readonly mid?: number;
  /** Best ask − best bid; default 1. */
  readonly spread?: number;
  /** Levels per side; default 5. */
  readonly levels?: number;
  /** Price distance between levels of one side; default 1. */
  readonly tick?: number;
  /** Size of every level; default 1. */
  readonly size?: number;
}

/** Bids best (highest) first, asks best (lowest) first: the order every consumer assumes. */
const byBestBid = (a: BookLevel, b: BookLevel): number => b.price - a.price;
const byBestAsk = (a: BookLevel, b: BookLevel): number => a.price - b.price;

/** An even book around `mid`; throws if a bid would reach a price ≤ 0. */
function ladder(options: LadderOptions = {}): OrderBookSnapshot {
  const mid = options.mid ?? 100;
  const spread = options.spread ?? 1;
  const levels = options.levels ?? 5;
  const tick = options.tick ?? 1;
  const size = options.size ?? 1;
  checkCount(levels);
  const side = (best: number, direction: 1 | -1): BookLevel[] =>
    Array.from({ length: levels }, (_, index) => ({ price: best + direction * index * tick, size }));
  const bids = side(mid - spread / 2, -1);
  const lowest = bids.at(-1);
  if (lowest !== undefined && !(lowest.price > 0))
    throw new RangeError(`the book's lowest bid would be ${lowest.price}`);
  return { timestamp: options.timestamp ?? FACTORY_EPOCH, bids, asks: side(mid + spread / 2, 1) };
}

export interface OrderBookOverrides {
  readonly timestamp?: number;
  readonly bids?: readonly BookLevel[];
  readonly asks?: readonly BookLevel[];
}

/** The default ladder with any side replaced; given levels are sorted best first (copies, never the caller's). */
function buildBook(overrides: OrderBookOverrides = {}): OrderBookSnapshot {
  const base = ladder({ timestamp: overrides.timestamp ?? FACTORY_EPOCH });
  return {
    timestamp: base.timestamp,
    bids: [...(overrides.bids ?? base.bids)].sort(byBestBid),
    asks: [...(overrides.asks ?? base.asks)].sort(byBestAsk),
  };
}

export const orderBookFactory = { build: buildBook, ladder } as const;

export const DEFAULT_TRADE: Trade = Object.freeze({
  timestamp: FACTORY_EPOCH,
  price: 100,
  size: 1,
  side: 'buy',
});

function buildTrade(overrides: Partial<Trade> = {}): Trade {
  return {
    timestamp: overrides.timestamp ?? DEFAULT_TRADE.timestamp,
    price: overrides.price ?? DEFAULT_TRADE.price,
    size: overrides.size ?? DEFAULT_TRADE.size,
    side: overrides.side ?? DEFAULT_TRADE.side,
  };
}

export type TapeLeg = readonly [side: TradeSide, size: number];

export interface TapeOptions {
  /** Time of the last (newest) trade; default the epoch. */
  readonly end?: number;
  /** Time between consecutive trades; default 1 s. */
  readonly spacingMs?: number;
  /** Price of every trade; default the default trade's. */
  readonly price?: number;
}

/** One trade per leg, `spacingMs` apart, oldest first, the last at `end`. */
function tape(legs: readonly TapeLeg[], options: TapeOptions = {}): Trade[] {
  const end = options.end ?? FACTORY_EPOCH;
  const spacing = options.spacingMs ?? 1_000;
  return legs.map(([side, size], index) =>
    buildTrade({ timestamp: end - (legs.length - 1 - index) * spacing, side, size, price: options.price }),
  );
}

export const tradeFactory = { build: buildTrade, tape } as const;

const NO_LIQUIDATIONS = Object.freeze({ long: 0, short: 0 });

/** A snapshot carrying every field an exchange may publish. */
export const DEFAULT_DERIVATIVES: DerivativesSnapshot = Object.freeze({
  timestamp: FACTORY_EPOCH,
  fundingRate: 0.0001,
  openInterest: 10_000,
  longShortRatio: 1.2,
  liquidations: NO_LIQUIDATIONS,
});

/** Every field set (an undefined override keeps the default); `openInterest` builds a sparse one. */
function buildDerivatives(overrides: Partial<DerivativesSnapshot> = {}): DerivativesSnapshot {
  return {
    timestamp: overrides.timestamp ?? DEFAULT_DERIVATIVES.timestamp,
    fundingRate: overrides.fundingRate ?? DEFAULT_DERIVATIVES.fundingRate,
    openInterest: overrides.openInterest ?? DEFAULT_DERIVATIVES.openInterest,
    longShortRatio: overrides.longShortRatio ?? DEFAULT_DERIVATIVES.longShortRatio,
    liquidations: { ...(overrides.liquidations ?? NO_LIQUIDATIONS) },
  };
}

/** A snapshot of an exchange that publishes open interest and nothing else. */
function openInterest(timestamp: number, value: number): DerivativesSnapshot {
  return { timestamp, openInterest: value };
}

export const derivativesFactory = { build: buildDerivatives, openInterest } as const;
