import { COMPONENT_SUBSCORES } from '@app/contracts';
import type { BookLevel, OrderBookSnapshot } from '../domain/market-data.types.js';
import type { ComponentContext, ComponentReading, ConfluenceComponent } from './component.types.js';
import { ReadingBuilder } from './reading-builder.js';
import { imbalance, tanhScore } from './score-mapping.js';
import { median } from './statistics.js';
import { abs, finite } from '../domain/fast-math.js';

/** Depth is counted within this fraction of the mid price on each side (±0.5 %). */
export const DEPTH_BAND = 0.005;
/** A level is a wall when its size is at least this multiple of the snapshot's median level size. */
export const WALL_MULTIPLE = 3;
/** A wall this many basis points from mid weighs half as much as one at mid. */
export const WALL_HALF_WEIGHT_BPS = 10;
/** Levels per side in the order imbalance ratio. */
export const OIR_LEVELS = 3;

const BPS = 10_000;

/**
 * Order book: is resting liquidity leaning bid (support, bullish) or ask (resistance, bearish)?
 * Reads one snapshot; a missing, one-sided or crossed book gives no sub-scores.
 */
export class OrderBookComponent implements ConfluenceComponent {
  readonly name = 'orderBook' as const;

  evaluate(context: ComponentContext): ComponentReading {
    const reading = new ReadingBuilder(this.name);
    const touch = readTouch(context.orderBook);
    if (typeof touch === 'string') {
      for (const name of COMPONENT_SUBSCORES.orderBook) reading.miss(name, touch);
      return reading.build();
    }
    const { book, bestBid, bestAsk } = touch;
    const mid = (bestBid.price + bestAsk.price) / 2;
    const halfSpread = (bestAsk.price - bestBid.price) / 2;
    reading.used(book.timestamp);

    const band = mid * DEPTH_BAND;
    const bidDepth = depth(book.bids.filter((level) => level.price >= mid - band));
    const askDepth = depth(book.asks.filter((level) => level.price <= mid + band));
    const depthX = imbalance(bidDepth, askDepth);
    // Volume imbalance near mid (Cartea, Jaimungal & Penalva 2015): net resting size within ±0.5 %.
    reading.add('depthImbalance', tanhScore(depthX, 0.5), depthX, {
      bidDepth,
      askDepth,
      bandPercent: DEPTH_BAND * 100,
    });

    // micro − mid = halfSpread × imbalance(bidSize1, askSize1), so x is that imbalance in −1..1.
    const spreadX = imbalance(bestBid.size, bestAsk.size);
    const microprice = mid + halfSpread * spreadX;
    // Micro-price pressure (Stoikov 2018): where the micro-price sits inside the spread.
    reading.add('spread', tanhScore(spreadX, 0.5), spreadX, {
      microprice,
      mid,
      spreadBps: ((2 * halfSpread) / mid) * BPS,
      bestBidSize: bestBid.size,
      bestAskSize: bestAsk.size,
    });

    const walls = wallWeights(book, mid);
    const wallX = imbalance(walls.bidWeight, walls.askWeight);
    // Walls (practitioner heuristic): levels ≥ 3× median size, weighted 1 / (1 + bps / 10); bids support.
    reading.add('walls', tanhScore(wallX, 0.5), wallX, {
      bidWalls: walls.bidWalls,
      askWalls: walls.askWalls,
      bidWallWeight: walls.bidWeight,
      askWallWeight: walls.askWeight,
      wallThreshold: walls.threshold,
    });

    const bidTop = depth(book.bids.slice(0, OIR_LEVELS));
    const askTop = depth(book.asks.slice(0, OIR_LEVELS));
    const oirX = imbalance(bidTop, askTop);
    // Order imbalance ratio over the top three levels (Cao, Hansch & Wang 2009).
    reading.add('orderImbalanceRatio', tanhScore(oirX, 0.5), oirX, {
      bidTopSize: bidTop,
      askTopSize: askTop,
    });

    return reading.build();
  }
}

/** The best bid and ask of a readable snapshot, or why the snapshot cannot be read. */
function readTouch(
  book: OrderBookSnapshot | undefined,
): { readonly book: OrderBookSnapshot; readonly bestBid: BookLevel; readonly bestAsk: BookLevel } | string {
  if (book === undefined) return 'no order book';
  const bestBid = book.bids[0];
  const bestAsk = book.asks[0];
  if (bestBid === undefined && bestAsk === undefined) return 'empty order book';
  if (bestBid === undefined) return 'no bids in order book';
  if (bestAsk === undefined) return 'no asks in order book';
  if (bestBid.price >= bestAsk.price) return 'crossed book';
  return { book, bestBid, bestAsk };
}

/** Total size of the levels, counting only positive finite sizes. */
function depth(levels: readonly BookLevel[]): number {
  let total = 0;
  for (const level of levels) if (level.size > 0 && finite(level.size)) total += level.size;
  return total;
}

interface WallWeights {
  readonly bidWalls: number;
  readonly askWalls: number;
  readonly bidWeight: number;
  readonly askWeight: number;
  readonly threshold: number;
}

/** Walls on each side, each weighted by its proximity to mid. */
function wallWeights(book: OrderBookSnapshot, mid: number): WallWeights {
  const sizes = [...book.bids, ...book.asks].map((level) => level.size);
  const threshold = WALL_MULTIPLE * (median(sizes) ?? 0);
  const side = (levels: readonly BookLevel[]) => {
    let count = 0;
    let weight = 0;
    for (const level of levels) {
      if (!(level.size > 0 && level.size >= threshold)) continue;
      const distanceBps = (abs(level.price - mid) / mid) * BPS;
      count += 1;
      weight += 1 / (1 + distanceBps / WALL_HALF_WEIGHT_BPS);
    }
    return { count, weight };
  };
  const bids = side(book.bids);
  const asks = side(book.asks);
  return {
    bidWalls: bids.count,
    askWalls: asks.count,
    bidWeight: bids.weight,
    askWeight: asks.weight,
    threshold,
  };
}
