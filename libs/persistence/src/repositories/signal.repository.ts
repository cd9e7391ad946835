import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import type { Signal, Timeframe } from '@app/contracts';
import type { SignalChange } from '../persistence.types.js';
import { MODEL_NAMES, type SignalDocument } from '../schemas/store.schemas.js';
import { MAX_PAGE } from './result.repository.js';
import { IndexBuild } from './index-build.js';

export interface SignalQuery {
  readonly exchange?: string;
  readonly symbol?: string;
  readonly timeframe?: Timeframe;
  /** Only changes at or after this time (ms). */
  readonly since?: number;
  readonly limit: number;
}

function toChange(doc: SignalDocument): SignalChange {
  return {
    exchange: doc.exchange,
    symbol: doc.symbol,
    timeframe: doc.timeframe as Timeframe,
    time: doc.time.getTime(),
    from: doc.from as Signal | null,
    to: doc.to as Signal,
    score: doc.score,
    confidence: doc.confidence,
  };
}

/** The signal history: one document per label change of a stream. */
@Injectable()
export class SignalRepository {
  readonly #indexes: IndexBuild;

  constructor(@InjectModel(MODEL_NAMES.signal) private readonly model: Model<SignalDocument>) {
    this.#indexes = new IndexBuild(model);
  }

  /** Records a change; recording the same stream and time again replaces it (idempotent). */
  async record(change: SignalChange, storedAt: number): Promise<void> {
    const doc: SignalDocument = { ...change, time: new Date(change.time), storedAt: new Date(storedAt) };
    const key = {
      exchange: change.exchange,
      symbol: change.symbol,
      timeframe: change.timeframe,
      time: doc.time,
    };
    await this.#indexes.settled();
    await this.model.replaceOne(key, doc, { upsert: true });
  }

  /** Changes newest first, filtered by whichever of exchange, symbol, timeframe and since are given. */
  async list(query: SignalQuery): Promise<SignalChange[]> {
    const filter: Record<string, unknown> = {};
    if (query.exchange !== undefined) filter.exchange = query.exchange;
    if (query.symbol !== undefined) filter.symbol = query.symbol;
    if (query.timeframe !== undefined) filter.timeframe = query.timeframe;
    if (query.since !== undefined) filter.time = { $gte: new Date(query.since) };
    const limit = Math.max(1, Math.min(MAX_PAGE, Math.floor(query.limit)));
    const docs = await this.model
      .find(filter, { _id: 0 })
      .sort({ time: -1 })
      .limit(limit)
      .lean<SignalDocument[]>()
      .exec();
    return docs.map(toChange);
  }

  /** The latest change of a stream (its current label), or null. */
  async latest(market: {
    exchange: string;
    symbol: string;
    timeframe: Timeframe;
  }): Promise<SignalChange | null> {
    const doc = await this.model.findOne(market, { _id: 0 }).sort({ time: -1 }).lean<SignalDocument>().exec();
    return doc === null ? null : toChange(doc);
  }
}
