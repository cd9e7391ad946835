import { prng } from '../prng.js';
import type { FakeDataset } from './candles.js';
import type { FakeMarket } from './fixtures.js';
import { referenceFor } from './route-kit.js';
import type { FakeBook, StreamVenue } from './stream-types.js';
import { hashSeed, mixSeed } from './synth.js';
import type { FakeExchangeId } from './types.js';

/** One side's changes of a step: `[price, amount]`, amount 0 deletes the level. */
export type LevelChanges = [number, number][];

/** What one model step changed, with the update ids it consumed. */
export interface BookStep {
  /** Binance `U`: the first update id of the step. */
  readonly firstId: number;
  /** Binance `u` / Bybit `u`: the last update id of the step. */
  readonly lastId: number;
  /** Binance futures `pu`: the `u` before this step (a hidden step's `u` after a gap). */
  readonly prevId: number;
  readonly seq: number;
  /** Bids descending, asks ascending. */
  readonly bids: LevelChanges;
  readonly asks: LevelChanges;
}

interface BookModelInit {
  readonly key: string;
  readonly exchange: FakeExchangeId;
  readonly venue: StreamVenue;
  readonly market: FakeMarket;
  readonly tick: number;
  readonly qtyDecimals: number;
  readonly levels: number;
  /** Binance consumes one update id per changed level; Bybit one per message. */
  readonly idPerChange: boolean;
  readonly mid: number | undefined;
  readonly firstId: number;
}

function decimalsOf(step: number): number {
  return Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
}

/**
 * A deterministic order book for one (exchange, venue, market). The level set follows the
 * reference price: a touch level one tick either side of the mid, then a fixed price grid
 * (about 0.02% of the price) out to `levels` per side; each step re-centres on the current
 * reference price (levels leaving the range are deleted, new ones added) and then churns one to
 * three levels (a new amount, a deletion, or a refill), drawn from a generator seeded by the
 * model's key and step number.
 */
export class BookModel {
  readonly key: string;
  readonly exchange: FakeExchangeId;
  readonly venue: StreamVenue;
  readonly market: FakeMarket;
  updateId: number;
  seq: number;
  /** Steps taken, hidden ones included. */
  steps = 0;
  private readonly bids = new Map<number, number>();
  private readonly asks = new Map<number, number>();
  private readonly tick: number;
  private readonly tickDecimals: number;
  private readonly qtyDecimals: number;
  /** Price levels per side at most. */
  readonly levels: number;
  private readonly idPerChange: boolean;
  private readonly seed: number;
  /** 10^decimals of the tick and of the lot: prices and sizes are rounded with integer math. */
  private readonly priceScale: number;
  private readonly qtyScale: number;
  private grid = 0;
  private mid: number | undefined;
  /** The wanted level set of the last mid (it only changes when the reference price does). */
  private wantedFor: { mid: number; bids: number[]; asks: number[] } | undefined;

  constructor(init: BookModelInit) {
    this.key = init.key;
    this.exchange = init.exchange;
    this.venue = init.venue;
    this.market = init.market;
    this.tick = init.tick;
    this.tickDecimals = decimalsOf(init.tick);
    this.qtyDecimals = init.qtyDecimals;
    this.levels = Math.max(1, init.levels);
    this.idPerChange = init.idPerChange;
    this.seed = hashSeed(init.key);
    this.priceScale = 10 ** this.tickDecimals;
    this.qtyScale = 10 ** this.qtyDecimals;
    this.updateId = init.firstId;
    this.seq = init.firstId * 7;
    if (init.mid !== undefined) {
      const random = prng(hashSeed(`${this.key}|init`));
      this.grid = Math.max(this.tick, this.price(init.mid * 0.0002));
      this.mid = this.price(init.mid);
      const wanted = this.wanted(this.mid);
      wanted.bids.forEach((p, i) => this.bids.set(p, this.size(i, random)));
      wanted.asks.forEach((p, i) => this.asks.set(p, this.size(i, random)));
    }
  }

  /** Moves the book on: re-centre on `refClose`, churn a few levels; returns what changed. */
  step(refClose: number | undefined): BookStep {
    const random = prng(mixSeed(this.seed, this.steps));
    this.steps += 1;
    const bids = new Map<number, number>();
    const asks = new Map<number, number>();
    if (refClose !== undefined && this.mid !== undefined) {
      const mid = this.price(refClose);
      const wanted = this.wanted(mid);
      if (mid !== this.mid) {
        this.mid = mid;
        this.recentre(this.bids, wanted.bids, bids, random);
        this.recentre(this.asks, wanted.asks, asks, random);
      }
      const churns = 1 + Math.floor(random() * 3);
      for (let n = 0; n < churns; n++) {
        const bidSide = random() < 0.5;
        const prices = bidSide ? wanted.bids : wanted.asks;
        const i = Math.min(prices.length - 1, Math.floor(random() * random() * prices.length));
        const price = prices[i] as number;
        const book = bidSide ? this.bids : this.asks;
        const qty = book.has(price) && i > 0 && random() < 0.25 ? 0 : this.size(i, random);
        if (qty === 0) book.delete(price);
        else book.set(price, qty);
        (bidSide ? bids : asks).set(price, qty);
      }
    }
    const count = bids.size + asks.size;
    const prevId = this.updateId;
    const firstId = prevId + 1;
    this.updateId = prevId + (this.idPerChange ? Math.max(1, count) : 1);
    this.seq += 1 + Math.floor(random() * 40);
    return {
      firstId,
      lastId: this.updateId,
      prevId,
      seq: this.seq,
      bids: [...bids].sort((a, b) => b[0] - a[0]),
      asks: [...asks].sort((a, b) => a[0] - b[0]),
    };
  }

  /** The book now, `limit` levels per side (default all). */
  snapshot(limit = Infinity): FakeBook {
    const bids = [...this.bids].sort((a, b) => b[0] - a[0]).slice(0, limit);
    const asks = [...this.asks].sort((a, b) => a[0] - b[0]).slice(0, limit);
    return { bids, asks, updateId: this.updateId, seq: this.seq };
  }

  /** Deletes what left the wanted range, adds what entered it (changes recorded into `out`). */
  private recentre(
    book: Map<number, number>,
    wanted: readonly number[],
    out: Map<number, number>,
    random: () => number,
  ): void {
    const keep = new Set(wanted);
    for (const price of book.keys()) {
      if (!keep.has(price)) {
        book.delete(price);
        out.set(price, 0);
      }
    }
    wanted.forEach((price, i) => {
      if (book.has(price)) return;
      const qty = this.size(i, random);
      book.set(price, qty);
      out.set(price, qty);
    });
  }

  /** Prices a side may hold at `mid`: the touch level, then grid points outwards. */
  private wanted(mid: number): { bids: number[]; asks: number[] } {
    if (this.wantedFor?.mid === mid) return this.wantedFor;
    const touchBid = this.price(mid - this.tick);
    const touchAsk = this.price(mid + this.tick);
    const bids = [touchBid];
    const asks = [touchAsk];
    let below = Math.ceil(touchBid / this.grid) - 1;
    let above = Math.floor(touchAsk / this.grid) + 1;
    while (bids.length < this.levels && below > 0) {
      bids.push(this.price(below * this.grid));
      below -= 1;
    }
    while (asks.length < this.levels) {
      asks.push(this.price(above * this.grid));
      above += 1;
    }
    this.wantedFor = { mid, bids, asks };
    return this.wantedFor;
  }

  /** The nearest tick, as the double nearest its decimal (what parsing the printed price gives). */
  private price(value: number): number {
    return Math.round(Math.round(value / this.tick) * this.tick * this.priceScale) / this.priceScale;
  }

  /** Sizes grow away from the touch, as in the REST book (`synth.orderBook`). */
  private size(index: number, random: () => number): number {
    const lot = 1 / this.qtyScale;
    const unit = Math.max(lot, 2000 / (this.mid ?? 1));
    const lots = Math.floor(unit * (0.05 + random() * (1 + index / 4)) * this.qtyScale);
    return Math.max(1, lots) / this.qtyScale;
  }
}

/** Tick and lot decimals of a market on one exchange's venue. */
export function bookScale(
  exchange: FakeExchangeId,
  venue: StreamVenue,
  market: FakeMarket,
): { tick: number; qtyDecimals: number } {
  if (exchange === 'binance') {
    return venue === 'spot'
      ? { tick: market.tick.binanceSpot, qtyDecimals: market.qty.binanceSpot }
      : { tick: market.tick.binancePerp, qtyDecimals: market.qty.binancePerp };
  }
  return {
    tick: market.tick.bybit,
    qtyDecimals: venue === 'spot' ? market.qty.bybitSpot : market.qty.bybitPerp,
  };
}

/**
 * The book models, one per (exchange, venue, market), created by the first depth subscription.
 * The REST depth routes serve a model's state when it exists, so a book resynced from REST
 * equals the streamed one.
 */
export class BookRegistry {
  private readonly models = new Map<string, BookModel>();

  constructor(
    private readonly dataset: FakeDataset,
    private readonly levels: number,
  ) {}

  static key(exchange: FakeExchangeId, venue: StreamVenue, marketId: string): string {
    return `${exchange}|${venue}|${marketId}`;
  }

  get(exchange: FakeExchangeId, venue: StreamVenue, marketId: string): BookModel | undefined {
    return this.models.get(BookRegistry.key(exchange, venue, marketId));
  }

  ensure(exchange: FakeExchangeId, venue: StreamVenue, market: FakeMarket, now: number): BookModel {
    const key = BookRegistry.key(exchange, venue, market.id);
    const existing = this.models.get(key);
    if (existing !== undefined) return existing;
    const scale = bookScale(exchange, venue, market);
    const model = new BookModel({
      key,
      exchange,
      venue,
      market,
      tick: scale.tick,
      qtyDecimals: scale.qtyDecimals,
      levels: this.levels,
      idPerChange: exchange === 'binance',
      mid: this.referenceClose(exchange, venue, market, now),
      firstId: Math.floor(now / 100),
    });
    this.models.set(key, model);
    return model;
  }

  /** The close of the latest candle closed at `now` (the price the book centres on). */
  referenceClose(
    exchange: FakeExchangeId,
    venue: StreamVenue,
    market: FakeMarket,
    now: number,
  ): number | undefined {
    const symbol = venue === 'spot' ? market.spotSymbol : market.perpSymbol;
    return referenceFor(this.dataset, exchange, symbol, now)?.candle.close;
  }
}
