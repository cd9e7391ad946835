import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { isDuplicateKey, StoreInputError } from '../persistence.errors.js';
import type { CachedAnalysis, DailyCost } from '../persistence.types.js';
import { type LlmAnalysisDocument, type LlmCostDocument, MODEL_NAMES } from '../schemas/store.schemas.js';
import { IndexBuild } from './index-build.js';

/** LLM opinions cached by request key; the TTL index removes them at `expiresAt`. */
@Injectable()
export class LlmCacheRepository {
  readonly #indexes: IndexBuild;

  constructor(@InjectModel(MODEL_NAMES.llmAnalysis) private readonly model: Model<LlmAnalysisDocument>) {
    this.#indexes = new IndexBuild(model);
  }

  async put(entry: CachedAnalysis): Promise<void> {
    const doc: LlmAnalysisDocument = {
      ...entry,
      value: { ...entry.value },
      createdAt: new Date(entry.createdAt),
      expiresAt: new Date(entry.expiresAt),
    };
    await this.#indexes.settled();
    await this.model.replaceOne({ key: entry.key }, doc, { upsert: true });
  }

  /** The cached entry, or null when absent or already past `expiresAt` at `now` (TTL sweeps lag). */
  async get(key: string, now: number): Promise<CachedAnalysis | null> {
    const doc = await this.model
      .findOne({ key, expiresAt: { $gt: new Date(now) } }, { _id: 0 })
      .lean<LlmAnalysisDocument>()
      .exec();
    if (doc === null) return null;
    return { ...doc, createdAt: doc.createdAt.getTime(), expiresAt: doc.expiresAt.getTime() };
  }
}

export interface Charge {
  /** Unique per charge: a retried charge with the same id is applied once. */
  readonly opId: string;
  readonly day: string;
  readonly model: string;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly costUsd: number;
}

/** Upper bound of one `range` (days, inclusive): a year, leap day included. */
export const MAX_COST_RANGE_DAYS = 366;

const DAY_MS = 86_400_000;

/** Epoch ms of a 'YYYY-MM-DD' UTC day; refuses anything else, including days no calendar has. */
function dayStart(field: string, day: string): number {
  const time = /^\d{4}-\d{2}-\d{2}$/.test(day) ? Date.parse(`${day}T00:00:00Z`) : NaN;
  // Date.parse rolls 2021-02-30 over to March 2; the round trip catches it.
  if (Number.isNaN(time) || new Date(time).toISOString().slice(0, 10) !== day)
    throw new StoreInputError(field, `is not a day (YYYY-MM-DD): ${JSON.stringify(day)}`);
  return time;
}

function toDailyCost({
  day,
  model,
  requests,
  promptTokens,
  completionTokens,
  costUsd,
}: LlmCostDocument): DailyCost {
  return { day, model, requests, promptTokens, completionTokens, costUsd };
}

/** The daily cost ledger per model, maintained with atomic `$inc`. */
@Injectable()
export class LlmCostRepository {
  readonly #indexes: IndexBuild;

  constructor(@InjectModel(MODEL_NAMES.llmCost) private readonly model: Model<LlmCostDocument>) {
    this.#indexes = new IndexBuild(model);
  }

  /**
   * Adds a charge atomically. The filter excludes ledgers that already hold this charge's id,
   * so a retry after a lost acknowledgement finds no match, tries to insert, and hits the unique
   * (day, model) index.
   */
  async charge(charge: Charge): Promise<void> {
    // The unique (day, model) index is what refuses a retried charge; it must exist first.
    await this.#indexes.settled();
    const apply = () =>
      this.model.updateOne(
        { day: charge.day, model: charge.model, appliedOps: { $ne: charge.opId } },
        {
          $inc: {
            requests: 1,
            promptTokens: charge.promptTokens,
            completionTokens: charge.completionTokens,
            costUsd: charge.costUsd,
          },
          $push: { appliedOps: charge.opId },
        },
        { upsert: true },
      );
    try {
      await apply();
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      // Either this charge is already in the ledger, or a concurrent first charge of the day
      // created it a moment ago; trying again applies it in the second case and is refused
      // (duplicate key again) only in the first.
      try {
        await apply();
      } catch (again) {
        if (!isDuplicateKey(again)) throw again;
      }
    }
  }

  /** The day's ledgers, one per model, by model. */
  async day(day: string): Promise<DailyCost[]> {
    const docs = await this.model
      .find({ day }, { _id: 0, appliedOps: 0 })
      .sort({ model: 1 })
      .lean<LlmCostDocument[]>()
      .exec();
    return docs.map(toDailyCost);
  }

  /**
   * The ledgers of the days `fromDay` to `toDay` (inclusive), by day then model. At most
   * `MAX_COST_RANGE_DAYS` days: callers validate first, this guards the store from a scan.
   */
  async range(fromDay: string, toDay: string): Promise<DailyCost[]> {
    const from = dayStart('fromDay', fromDay);
    const to = dayStart('toDay', toDay);
    if (to < from) throw new StoreInputError('toDay', `is before fromDay (${fromDay})`);
    const days = (to - from) / DAY_MS + 1;
    if (days > MAX_COST_RANGE_DAYS)
      throw new StoreInputError(
        'toDay',
        `is ${days} days from fromDay, over the ${MAX_COST_RANGE_DAYS} allowed`,
      );
    // 'YYYY-MM-DD' strings sort as their days do.
    const docs = await this.model
      .find({ day: { $gte: fromDay, $lte: toDay } }, { _id: 0, appliedOps: 0 })
      .sort({ day: 1, model: 1 })
      .lean<LlmCostDocument[]>()
      .exec();
    return docs.map(toDailyCost);
  }

  /** What the day cost across models (USD), 0 when nothing was charged; summed by model, so in one order. */
  async spent(day: string): Promise<number> {
    dayStart('day', day);
    const docs = await this.model
      .find({ day }, { _id: 0, costUsd: 1 })
      .sort({ model: 1 })
      .lean<Pick<LlmCostDocument, 'costUsd'>[]>()
      .exec();
    return docs.reduce((sum, doc) => sum + doc.costUsd, 0);
  }
}
