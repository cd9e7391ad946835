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

/** One charge to the ledger (the persistence repository's `Charge`). */
export interface LedgerCharge {
  readonly opId: string;
  readonly day: string;
  readonly model: string;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly costUsd: number;
}

/** The daily cost ledger, shared by every process (MongoDB; atomic increments). */
export interface CostLedger {
  charge(charge: LedgerCharge): Promise<void>;
  /** USD spent on `day`, all models. */
  spent(day: string): Promise<number>;
}

/** Cached opinions by key; an entry past `expiresAt` is a miss. */
export interface OpinionCacheEntry {
  readonly key: string;
  readonly model: string;
  readonly value: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
  readonly expiresAt: number;
}

export interface OpinionCache {
  get(key: string, now: number): Promise<OpinionCacheEntry | null>;
  put(entry: OpinionCacheEntry): Promise<void>;
}
