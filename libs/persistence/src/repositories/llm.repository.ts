import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { isDuplicateKey } from '../persistence.errors.js';
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

  async day(day: string): Promise<DailyCost[]> {
    const docs = await this.model
      .find({ day }, { _id: 0, appliedOps: 0 })
      .sort({ model: 1 })
      .lean<LlmCostDocument[]>()
      .exec();
    return docs.map(({ day: d, model, requests, promptTokens, completionTokens, costUsd }) => ({
      day: d,
      model,
      requests,
      promptTokens,
      completionTokens,
      costUsd,
    }));
  }
}
