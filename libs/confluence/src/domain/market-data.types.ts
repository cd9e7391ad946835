import type { Candle, MarketRef, StreamRef } from '@app/contracts';

// The candle is shared vocabulary (its rules live beside it in @app/contracts); the engine's
// callers keep importing it from here.
export type { Candle } from '@app/contracts';

/**
 * The engine's own copy of a candle. Callers hand in candles of several shapes (validated bus
 * payloads are class instances, CSV rows and snapshots plain objects); copying each into one
 * literal shape keeps the components' loops over the window monomorphic (sentiment's baseline
 * and price structure's gaps took 3 times as long on mixed shapes), and the caller's object can
 * no longer change what the engine holds.
 */
export function ownCandle(candle: Candle): Candle {
  return {
    timestamp: candle.timestamp,
    open: candle.open,
    high: candle.high,
    low: candle.low,
    close: candle.close,
    volume: candle.volume,
  };
}

/** A market stream: one symbol on one exchange at one timeframe (the domain's StreamRef). */
export type MarketKey = StreamRef;

/** A market across its timeframes (the domain's MarketRef). */
export type MarketId = MarketRef;

export interface BookLevel {
  readonly price: number;
  readonly size: number;
}

/** Top-of-book snapshot: bids best (highest) first, asks best (lowest) first. */
export interface OrderBookSnapshot {
  readonly timestamp: number;
  readonly bids: readonly BookLevel[];
  readonly asks: readonly BookLevel[];
}

export const TradeSide = { Buy: 'buy', Sell: 'sell' } as const;
export type TradeSide = (typeof TradeSide)[keyof typeof TradeSide];

/** A public trade; `side` is the aggressor's side (taker). */
export interface Trade {
  readonly timestamp: number;
  readonly price: number;
  readonly size: number;
  readonly side: TradeSide;
}

/** Perpetual-futures context; every field is optional because exchanges publish different sets. */
export interface DerivativesSnapshot {
  readonly timestamp: number;
  /** Funding rate per funding interval, as a fraction (0.0001 = 0.01 %). */
  readonly fundingRate?: number;
  /** Open interest in base units. */
  readonly openInterest?: number;
  /** Accounts long ÷ accounts short. */
  readonly longShortRatio?: number;
  /** Liquidated notional over the recent window, by the side that was liquidated. */
  readonly liquidations?: { readonly long: number; readonly short: number };
}
