import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { type DataSource, isTimeframe, type Timeframe, timeframeToMs } from '@app/contracts';
import type { StoredCandle, StoredMarket } from '../persistence.types.js';
import { type CandleDocument, MODEL_NAMES } from '../schemas/store.schemas.js';
import { timeBounds } from './time-bounds.js';
import { IndexBuild } from './index-build.js';

export interface CandleRange {
  readonly market: StoredMarket;
  readonly from?: number;
  readonly to?: number;
  readonly limit?: number;
}

/** Most candles one read returns (several days of 1m candles). */
export const MAX_CANDLES = 20_000;

function toCandle(doc: CandleDocument): StoredCandle {
  return {
    exchange: doc.exchange,
    symbol: doc.symbol,
    timeframe: doc.timeframe as Timeframe,
    timestamp: doc.timestamp.getTime(),
    open: doc.open,
    high: doc.high,
    low: doc.low,
    close: doc.close,
    volume: doc.volume,
    source: doc.source as DataSource,
  };
}

/** Closed candles per stream, unique on (exchange, symbol, timeframe, open time). */
@Injectable()
export class CandleRepository {
  readonly #indexes: IndexBuild;

  constructor(@InjectModel(MODEL_NAMES.candle) private readonly model: Model<CandleDocument>) {
    this.#indexes = new IndexBuild(model);
  }

  /**
   * Stores candles in one bulk write; a candle already stored is left as it was (a closed
   * candle does not change), so replays and backfills are idempotent. Returns how many were new.
   */
  async upsertMany(candles: readonly StoredCandle[]): Promise<number> {
    if (candles.length === 0) return 0;
    await this.#indexes.settled();
    const result = await this.model.bulkWrite(
      candles.map((c) => ({
        updateOne: {
          filter: {
            exchange: c.exchange,
            symbol: c.symbol,
            timeframe: c.timeframe,
            timestamp: new Date(c.timestamp),
          },
          update: { $setOnInsert: { ...c, timestamp: new Date(c.timestamp) } },
          upsert: true,
        },
      })),
      { ordered: false },
    );
    return result.upsertedCount;
  }

  /** Candles of a stream, oldest first, within inclusive bounds. */
  async range(range: CandleRange): Promise<StoredCandle[]> {
    const filter: Record<string, unknown> = { ...range.market };
    const time = timeBounds(range.from, range.to);
    if (Object.keys(time).length > 0) filter.timestamp = time;
    const limit = Math.max(1, Math.min(MAX_CANDLES, range.limit ?? MAX_CANDLES));
    const docs = await this.model
      .find(filter, { _id: 0 })
      .sort({ timestamp: 1 })
      .limit(limit)
      .lean<CandleDocument[]>()
      .exec();
    return docs.map(toCandle);
  }

  /** The timeframes of a market that have stored candles, shortest first. */
  async timeframes(exchange: string, symbol: string): Promise<Timeframe[]> {
    const found: unknown[] = await this.model.distinct('timeframe', { exchange, symbol }).exec();
    return found.filter(isTimeframe).sort((a, b) => timeframeToMs(a) - timeframeToMs(b));
  }

  /** Open time of the newest candle of a stream (of one source, when given), or null when it has none. */
  async lastOpenTime(market: StoredMarket, source?: DataSource): Promise<number | null> {
    const filter: Record<string, unknown> = { ...market };
    if (source !== undefined) filter.source = source;
    const doc = await this.model
      .findOne(filter, { _id: 0, timestamp: 1 })
      .sort({ timestamp: -1 })
      .lean<Pick<CandleDocument, 'timestamp'>>()
      .exec();
    return doc === null ? null : doc.timestamp.getTime();
  }

  /** The newest `count` candles of a stream (opened at or before `until`), oldest first (to rebuild indicator state). */
  async latest(market: StoredMarket, count: number, until?: number): Promise<StoredCandle[]> {
    const limit = Math.max(1, Math.min(MAX_CANDLES, count));
    const filter: Record<string, unknown> = { ...market };
    if (until !== undefined) filter.timestamp = timeBounds(undefined, until);
    const docs = await this.model
      .find(filter, { _id: 0 })
      .sort({ timestamp: -1 })
      .limit(limit)
      .lean<CandleDocument[]>()
      .exec();
    return docs.reverse().map(toCandle);
  }
}
