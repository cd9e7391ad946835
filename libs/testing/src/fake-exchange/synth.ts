import type { CsvCandle } from '../market-data.js';
import { prng } from '../prng.js';

/** FNV-1a: a stable seed from a string (symbol, endpoint). */
export function hashSeed(text: string, salt = 0): number {
  let h = 0x811c9dc5 ^ salt;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A seed from a base hash and a counter (murmur3's finaliser over base ^ n·golden): cheap enough
 * for one generator per trade slot or book step, where hashing a string each time is not.
 */
export function mixSeed(base: number, n: number): number {
  let h = (base ^ Math.imul(n, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A generator seeded by symbol + whole second of the clock: same clock reading, same numbers. */
export function randomFor(symbol: string, now: number, salt: string): () => number {
  return prng(hashSeed(`${symbol}|${salt}`, Math.floor(now / 1000)));
}

export function roundDown(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.floor(value * factor) / factor;
}

export interface BookLevels {
  readonly bids: [number, number][];
  readonly asks: [number, number][];
}

/**
 * An order book around the reference close: best bid one tick below, best ask one tick above,
 * then levels every 1–3 ticks, sizes log-normal-ish (heavier further out). Bids descend, asks ascend.
 */
export function orderBook(
  ref: CsvCandle,
  tick: number,
  qtyDecimals: number,
  levels: number,
  random: () => number,
): BookLevels {
  const tickDecimals = Math.max(0, -Math.floor(Math.log10(tick) + 1e-9));
  const mid = Math.round(ref.close / tick) * tick;
  const unit = Math.max(10 ** -qtyDecimals, 2000 / ref.close);
  const side = (direction: 1 | -1): [number, number][] => {
    const out: [number, number][] = [];
    let price = mid + direction * tick;
    for (let i = 0; i < levels; i++) {
      const size = Math.max(
        10 ** -qtyDecimals,
        roundDown(unit * (0.05 + random() * (1 + i / 4)), qtyDecimals),
      );
      out.push([Number(price.toFixed(tickDecimals)), size]);
      price += direction * tick * (1 + Math.floor(random() * 3));
    }
    return out;
  };
  return { bids: side(-1), asks: side(1) };
}

export interface SyntheticTrade {
  readonly id: number;
  readonly time: number;
  readonly price: number;
  readonly qty: number;
  /** True when the buyer was the maker (a taker sell). */
  readonly buyerMaker: boolean;
}

/**
 * `count` trades spread over (from, to], ascending, priced inside the reference candle's range.
 * Ids grow with time so repeated polls see a monotonic tape.
 */
export function trades(
  ref: CsvCandle,
  from: number,
  to: number,
  count: number,
  priceDecimals: number,
  qtyDecimals: number,
  random: () => number,
): SyntheticTrade[] {
  const span = Math.max(1, to - from);
  const times: number[] = [];
  for (let i = 0; i < count; i++) times.push(to - Math.floor(random() * span));
  times.sort((a, b) => a - b);
  const unit = Math.max(10 ** -qtyDecimals, 500 / ref.close);
  return times.map((time, i) => ({
    id: time * 1000 + (i % 1000),
    time,
    price: Number((ref.low + random() * (ref.high - ref.low)).toFixed(priceDecimals)),
    qty: Math.max(10 ** -qtyDecimals, roundDown(unit * random() * 2, qtyDecimals)),
    buyerMaker: random() < 0.5,
  }));
}

export interface FundingSnapshot {
  readonly markPrice: number;
  readonly indexPrice: number;
  readonly fundingRate: number;
  /** Next 00:00 / 08:00 / 16:00 UTC after now. */
  readonly nextFundingTime: number;
}

export function funding(ref: CsvCandle, now: number, random: () => number): FundingSnapshot {
  const premium = (random() - 0.4) * 0.0006;
  const eightHours = 8 * 3_600_000;
  return {
    indexPrice: ref.close,
    markPrice: ref.close * (1 + premium),
    fundingRate: 0.0001 + (random() - 0.45) * 0.0002,
    nextFundingTime: (Math.floor(now / eightHours) + 1) * eightHours,
  };
}

/** Open interest in base units, drifting ±3% with the clock. */
export function openInterest(base: number, random: () => number): number {
  return base * (0.97 + random() * 0.06);
}

/** Share of accounts net long, 0.40–0.75. */
export function longShare(random: () => number): number {
  return 0.4 + random() * 0.35;
}
