import type { CachedAnalysis, Charge } from '@app/persistence';
import type { TokenUsage } from '../client/opinion-model.js';

export interface ModelPrice {
  readonly inputPerMillion: number;
  readonly outputPerMillion: number;
}

/** USD of one request, from the configured price list (per million tokens). */
export function costOf(usage: TokenUsage, price: ModelPrice): number {
  return (
    (usage.promptTokens * price.inputPerMillion + usage.completionTokens * price.outputPerMillion) / 1_000_000
  );
}

/** The UTC day a time falls on: the ledger's and the budget's unit. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** One charge to the ledger, and a cached opinion: the repositories' own shapes. */
export type LedgerCharge = Charge;
export type OpinionCacheEntry = CachedAnalysis;

/** The daily cost ledger, shared by every process (MongoDB; atomic increments). */
export interface CostLedger {
  charge(charge: LedgerCharge): Promise<void>;
  /** USD spent on `day`, all models. */
  spent(day: string): Promise<number>;
}

/** Cached opinions by key; an entry past `expiresAt` is a miss. */
export interface OpinionCache {
  get(key: string, now: number): Promise<OpinionCacheEntry | null>;
  put(entry: OpinionCacheEntry): Promise<void>;
}
