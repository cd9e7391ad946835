import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { AnyBulkWriteOperation, Model } from 'mongoose';
import type { LlmOpinion, Signal, Timeframe, ValidationOpinion, ValidationSample } from '@app/contracts';
import type { StoredMarket } from '../persistence.types.js';
import { SAMPLE_MODEL, type ValidationSampleDocument } from '../schemas/validation-sample.schema.js';
import { IndexBuild } from './index-build.js';

/** Upper bound of one `range` answer, whatever a caller asks for. */
export const MAX_SAMPLES = 100_000;

const keyOf = (m: StoredMarket, candleTime: number) => ({
  exchange: m.exchange,
  symbol: m.symbol,
  timeframe: m.timeframe,
  candleTime: new Date(candleTime),
});

function toSample(doc: ValidationSampleDocument): ValidationSample {
  return {
    exchange: doc.exchange,
    symbol: doc.symbol,
    timeframe: doc.timeframe as Timeframe,
    candleTime: doc.candleTime.getTime(),
    close: doc.close,
    score: doc.score,
    label: doc.label as Signal,
    components: doc.components,
    inputHash: doc.inputHash,
    ...(doc.llm === undefined ? {} : { llm: doc.llm as ValidationOpinion }),
  };
}

/**
 * Forward validation's samples (ADR 0019): one per stored candle result, keyed like the result.
 * Writes are idempotent upserts, so the retries, replays and takeovers that re-store a result
 * re-store its sample in place; an opinion is kept while the inputs stay the same, as on results.
 */
@Injectable()
export class ValidationSampleRepository {
  readonly #indexes: IndexBuild;

  constructor(@InjectModel(SAMPLE_MODEL) private readonly model: Model<ValidationSampleDocument>) {
    this.#indexes = new IndexBuild(model);
  }

  /** Stores samples in one bulk write, each replacing its candle's earlier sample. */
  async saveMany(samples: readonly ValidationSample[], storedAt: number): Promise<void> {
    if (samples.length === 0) return;
    await this.#indexes.settled();
    const at = new Date(storedAt);
    await this.model.bulkWrite(
      samples.flatMap((sample): AnyBulkWriteOperation<ValidationSampleDocument>[] => {
        const key = keyOf(sample, sample.candleTime);
        const doc: Omit<ValidationSampleDocument, 'llm'> = {
          ...key,
          storedAt: at,
          close: sample.close,
          score: sample.score,
          label: sample.label,
          components: { ...sample.components },
          inputHash: sample.inputHash,
        };
        // First drop an opinion about other inputs (it must see the old inputHash), then upsert.
        return [
          {
            updateOne: {
              filter: { ...key, inputHash: { $ne: sample.inputHash } },
              update: { $unset: { llm: 1 } },
            },
          },
          { updateOne: { filter: key, update: { $set: doc }, upsert: true } },
        ];
      }),
      { ordered: true },
    );
  }

  /**
   * Records an available opinion's labels on the sample of its candle while that sample has the
   * opinion's inputs; false when there is none (an unavailable opinion has no label: nothing).
   */
  async attachOpinion(stream: StoredMarket, candleTime: number, opinion: LlmOpinion): Promise<boolean> {
    if (opinion.status !== 'ok') return false;
    const llm: ValidationOpinion = {
      label: opinion.signal,
      ...(opinion.blended === undefined ? {} : { blended: opinion.blended.label }),
    };
    const { matchedCount } = await this.model
      .updateOne({ ...keyOf(stream, candleTime), inputHash: opinion.inputHash }, { $set: { llm } })
      .exec();
    return matchedCount > 0;
  }

  /**
   * The newest `limit` samples of a stream with candle time in [from, to], oldest first (at most
   * MAX_SAMPLES).
   */
  async range(market: StoredMarket, from: number, to: number, limit: number): Promise<ValidationSample[]> {
    const cap = Math.max(1, Math.min(MAX_SAMPLES, Math.floor(limit)));
    const docs = await this.model
      .find(
        {
          exchange: market.exchange,
          symbol: market.symbol,
          timeframe: market.timeframe,
          candleTime: { $gte: new Date(from), $lte: new Date(to) },
        },
        { _id: 0, storedAt: 0 },
      )
      .sort({ candleTime: -1 })
      .limit(cap)
      .lean<ValidationSampleDocument[]>()
      .exec();
    return docs.reverse().map(toSample);
  }

  /** The candle time of a stream's newest sample; null when it has none. */
  async newest(market: StoredMarket): Promise<number | null> {
    const doc = await this.model
      .findOne(
        { exchange: market.exchange, symbol: market.symbol, timeframe: market.timeframe },
        { _id: 0, candleTime: 1 },
      )
      .sort({ candleTime: -1 })
      .lean<Pick<ValidationSampleDocument, 'candleTime'>>()
      .exec();
    return doc === null ? null : doc.candleTime.getTime();
  }
}
