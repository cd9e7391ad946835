import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { AnyBulkWriteOperation, Model } from 'mongoose';
import type { LlmOpinion, Signal, Timeframe } from '@app/contracts';
import { type Page, ResultFormat, type StoredMarket, type StoredResult } from '../persistence.types.js';
import { MODEL_NAMES, type ResultDocument } from '../schemas/store.schemas.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { timeBounds } from './time-bounds.js';
import { IndexBuild } from './index-build.js';

export interface HistoryQuery {
  readonly market: StoredMarket;
  /** Inclusive bounds on the candle time (ms). */
  readonly from?: number;
  readonly to?: number;
  readonly limit: number;
  readonly cursor?: string;
}

/** Upper bound of one page, whatever a caller asks for. */
export const MAX_PAGE = 1000;

/** Upper bound of one `inputHashes` answer. */
export const MAX_HASHES = 10_000;

const marketFilter = (m: StoredMarket) => ({
  exchange: m.exchange,
  symbol: m.symbol,
  timeframe: m.timeframe,
});

function toResult(doc: ResultDocument): StoredResult {
  return {
    exchange: doc.exchange,
    symbol: doc.symbol,
    timeframe: doc.timeframe as Timeframe,
    candleTime: doc.candleTime.getTime(),
    computedAt: doc.computedAt.getTime(),
    score: doc.score,
    label: doc.label as Signal,
    confidence: doc.confidence,
    coverage: doc.coverage,
    staleness: doc.staleness,
    engineVersion: doc.engineVersion,
    configHash: doc.configHash,
    inputHash: doc.inputHash,
    // Documents written before the domain result was stored hold its v1 rendering instead.
    ...(doc.format === ResultFormat.Domain && doc.result !== undefined
      ? { format: ResultFormat.Domain, result: doc.result }
      : { format: ResultFormat.RenderedV1, result: doc.breakdown ?? {} }),
    ...(doc.llm === undefined ? {} : { llm: doc.llm }),
  };
}

/**
 * The statements that store one result. Updated in place rather than replaced, so an opinion
 * attached to the candle's result survives a retried write or a re-store after a takeover; but an
 * opinion is about one set of inputs, so the statement before drops it when the stored result's
 * inputs differ from the new one's. The order matters: the drop must see the old `inputHash`.
 */
function storeStatements(result: StoredResult, storedAt: number): AnyBulkWriteOperation<ResultDocument>[] {
  // `llm` is never written from here: attachOpinion owns it.
  const { result: body, format, llm, ...headline } = result;
  const doc: Omit<ResultDocument, 'llm'> = {
    ...headline,
    candleTime: new Date(result.candleTime),
    computedAt: new Date(result.computedAt),
    storedAt: new Date(storedAt),
    // A legacy rendering (format 0, as read back from an old document) keeps its old field.
    ...(format === ResultFormat.Domain ? { format, result: { ...body } } : { breakdown: { ...body } }),
  };
  const filter = { ...marketFilter(result), candleTime: doc.candleTime };
  // An update, not a replace: the other format's fields, if an earlier write of the candle left them, go.
  const stale =
    format === ResultFormat.Domain ? { breakdown: 1 as const } : { format: 1 as const, result: 1 as const };
  return [
    {
      updateOne: { filter: { ...filter, inputHash: { $ne: doc.inputHash } }, update: { $unset: { llm: 1 } } },
    },
    { updateOne: { filter, update: { $set: doc, $unset: stale }, upsert: true } },
  ];
}

/** Confluence results: one per candle of a stream, newest first. */
@Injectable()
export class ResultRepository {
  readonly #indexes: IndexBuild;

  constructor(@InjectModel(MODEL_NAMES.result) private readonly model: Model<ResultDocument>) {
    this.#indexes = new IndexBuild(model);
  }

  /** Stores a result; storing the same candle's result again replaces it (idempotent). */
  async save(result: StoredResult, storedAt: number): Promise<void> {
    await this.saveMany([result], storedAt);
  }

  /**
   * Stores results in one bulk write; each replaces its candle's earlier result, so retries are
   * idempotent. An opinion attached to the earlier result is kept when the inputs are the same
   * (same `inputHash`) and dropped otherwise.
   */
  async saveMany(results: readonly StoredResult[], storedAt: number): Promise<void> {
    if (results.length === 0) return;
    await this.#indexes.settled();
    await this.model.bulkWrite(
      results.flatMap((result) => storeStatements(result, storedAt)),
      { ordered: true },
    );
  }

  /**
   * Attaches a model's opinion to the stored result of a candle (replacing an earlier opinion);
   * false when no result of that candle is stored (nothing is created). An available opinion
   * names the inputs it is about: it is attached only while the stored result has those inputs,
   * so one that arrives after a re-store with other inputs is refused (false) rather than shown
   * beside a result it is not about. An unavailable opinion never replaces an available one: a
   * later ask that failed (budget, busy) says nothing new about the same inputs.
   */
  async attachOpinion(stream: StoredMarket, candleTime: number, opinion: LlmOpinion): Promise<boolean> {
    const filter = {
      ...marketFilter(stream),
      candleTime: new Date(candleTime),
      ...(opinion.status === 'ok'
        ? { inputHash: opinion.inputHash }
        : { 'llm.status': { $ne: 'ok' as const } }),
    };
    const { matchedCount } = await this.model.updateOne(filter, { $set: { llm: opinion } }).exec();
    return matchedCount > 0;
  }

  /**
   * The input hash of every stored result of a stream with candle time in [from, to], by candle
   * time (a repair compares what it recomputes with them). At most `MAX_HASHES` per call.
   */
  async inputHashes(market: StoredMarket, from: number, to: number): Promise<Map<number, string>> {
    const docs = await this.model
      .find(
        { ...marketFilter(market), candleTime: timeBounds(from, to) },
        { _id: 0, candleTime: 1, inputHash: 1 },
      )
      .sort({ candleTime: 1 })
      .limit(MAX_HASHES)
      .lean<Pick<ResultDocument, 'candleTime' | 'inputHash'>[]>()
      .exec();
    return new Map(docs.map((doc) => [doc.candleTime.getTime(), doc.inputHash]));
  }

  async latest(market: StoredMarket): Promise<StoredResult | null> {
    const doc = await this.model
      .findOne(marketFilter(market), { _id: 0 })
      .sort({ candleTime: -1 })
      .lean<ResultDocument>()
      .exec();
    return doc === null ? null : toResult(doc);
  }

  /** The newest result of each market, in one query; markets without results are absent. */
  async latestForMarkets(markets: readonly StoredMarket[]): Promise<StoredResult[]> {
    if (markets.length === 0) return [];
    const docs = await this.model
      .aggregate<{ doc: ResultDocument }>([
        { $match: { $or: markets.map(marketFilter) } },
        { $sort: { candleTime: -1 } },
        {
          $group: {
            _id: { exchange: '$exchange', symbol: '$symbol', timeframe: '$timeframe' },
            doc: { $first: '$$ROOT' },
          },
        },
      ])
      .exec();
    const byKey = new Map(
      docs.map(({ doc }) => [`${doc.exchange}|${doc.symbol}|${doc.timeframe}`, toResult(doc)]),
    );
    return markets.flatMap((m) => byKey.get(`${m.exchange}|${m.symbol}|${m.timeframe}`) ?? []);
  }

  /** Results of a stream newest first, between `from` and `to`, a page at a time. */
  async history(query: HistoryQuery): Promise<Page<StoredResult>> {
    const limit = Math.max(1, Math.min(MAX_PAGE, Math.floor(query.limit)));
    const time = timeBounds(query.from, query.to);
    if (query.cursor !== undefined) {
      const before = decodeCursor(query.cursor);
      if (time.$lte === undefined || before <= time.$lte.getTime()) {
        delete time.$lte;
        time.$lt = new Date(before);
      }
    }
    const filter =
      Object.keys(time).length > 0
        ? { ...marketFilter(query.market), candleTime: time }
        : marketFilter(query.market);
    // One more than the page tells whether another page follows.
    const docs = await this.model
      .find(filter, { _id: 0 })
      .sort({ candleTime: -1 })
      .limit(limit + 1)
      .lean<ResultDocument[]>()
      .exec();
    const items = docs.slice(0, limit).map(toResult);
    const last = items.at(-1);
    return {
      items,
      nextCursor: docs.length > limit && last !== undefined ? encodeCursor(last.candleTime) : null,
    };
  }
}
