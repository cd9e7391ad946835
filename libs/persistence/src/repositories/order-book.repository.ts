import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import type { DataSource } from '@app/contracts';
import { MODEL_NAMES, type OrderBookDocument } from '../schemas/store.schemas.js';
import { timeBounds } from './time-bounds.js';
import { IndexBuild } from './index-build.js';

export interface BookLevelRecord {
  readonly price: number;
  readonly size: number;
}

/** An order-book snapshot as recorded for backtests (exchanges keep no book history). */
export interface StoredOrderBook {
  readonly exchange: string;
  readonly symbol: string;
  /** Exchange time of the snapshot (ms, UTC). */
  readonly timestamp: number;
  readonly sequence: number | null;
  readonly bids: readonly BookLevelRecord[];
  readonly asks: readonly BookLevelRecord[];
  readonly source: DataSource;
}

export interface OrderBookRange {
  readonly exchange: string;
  readonly symbol: string;
  readonly from?: number;
  readonly to?: number;
  readonly limit?: number;
}

/** Most snapshots one read returns. */
export const MAX_BOOKS = 5_000;

const pairs = (levels: readonly BookLevelRecord[]): number[][] =>
  levels.map((level) => [level.price, level.size]);
const levelsOf = (rows: readonly number[][]): BookLevelRecord[] =>
  rows.map(([price, size]) => ({ price: price as number, size: size as number }));

@Injectable()
export class OrderBookRepository {
  readonly #indexes: IndexBuild;

  constructor(@InjectModel(MODEL_NAMES.orderBook) private readonly model: Model<OrderBookDocument>) {
    this.#indexes = new IndexBuild(model);
  }

  /** Stores snapshots; one already stored (same market and time) is left as it was. Returns how many were new. */
  async record(books: readonly StoredOrderBook[], storedAt: number): Promise<number> {
    if (books.length === 0) return 0;
    await this.#indexes.settled();
    const result = await this.model.bulkWrite(
      books.map((book) => ({
        updateOne: {
          filter: { exchange: book.exchange, symbol: book.symbol, timestamp: new Date(book.timestamp) },
          update: {
            $setOnInsert: {
              exchange: book.exchange,
              symbol: book.symbol,
              timestamp: new Date(book.timestamp),
              sequence: book.sequence,
              bids: pairs(book.bids),
              asks: pairs(book.asks),
              source: book.source,
              storedAt: new Date(storedAt),
            },
          },
          upsert: true,
        },
      })),
      { ordered: false },
    );
    return result.upsertedCount;
  }

  /** Snapshots of a market, oldest first, within inclusive bounds. */
  async range(range: OrderBookRange): Promise<StoredOrderBook[]> {
    const filter: Record<string, unknown> = { exchange: range.exchange, symbol: range.symbol };
    const time = timeBounds(range.from, range.to);
    if (Object.keys(time).length > 0) filter.timestamp = time;
    const limit = Math.max(1, Math.min(MAX_BOOKS, range.limit ?? MAX_BOOKS));
    const docs = await this.model
      .find(filter, { _id: 0 })
      .sort({ timestamp: 1 })
      .limit(limit)
      .lean<OrderBookDocument[]>()
      .exec();
    return docs.map((doc) => ({
      exchange: doc.exchange,
      symbol: doc.symbol,
      timestamp: doc.timestamp.getTime(),
      sequence: doc.sequence,
      bids: levelsOf(doc.bids),
      asks: levelsOf(doc.asks),
      source: doc.source as DataSource,
    }));
  }
}
