import type { Signal } from './signal.js';

/**
 * Why a model's opinion is missing. Whatever the reason, the engine's own label stands: the
 * fallback never invents a direction (the old service's fallback leaned "Long").
 */
export const OpinionUnavailableReason = {
  /** No `OPENAI_API_KEYS`: the product runs on the engine alone. */
  NoKey: 'no-key',
  /** Every key is invalid (401/403) or cooling down after a 429. */
  KeysFailing: 'keys-failing',
  /** The day's spend reached `llm.dailyBudgetUsd`; calls resume the next UTC day. */
  BudgetExhausted: 'budget-exhausted',
  Timeout: 'timeout',
  /** The answer was not JSON, or broke the schema or a range; it was discarded and counted. */
  InvalidAnswer: 'invalid-answer',
  /** The endpoint kept failing (5xx, connection errors) through every retry. */
  UpstreamError: 'upstream-error',
  /** Too many opinions already waiting for the shared rate limit. */
  Busy: 'busy',
} as const;
export type OpinionUnavailableReason =
  (typeof OpinionUnavailableReason)[keyof typeof OpinionUnavailableReason];

/** The label a configurable share of the model's opinion would give (`llm.blend.weight` > 0). */
export interface BlendedLabel {
  /** Share of the model in the blend, 0–1. */
  readonly weight: number;
  /** (1 − weight) × engine score + weight × the model's score (50 ± 50 × confidence). */
  readonly score: number;
  readonly label: Signal;
}

/** A model's structured answer about one result, validated. */
export interface AvailableOpinion {
  readonly status: 'ok';
  readonly signal: Signal;
  /** 0–1, as the model stated it. */
  readonly confidence: number;
  readonly reasoning: string;
  readonly risks: readonly string[];
  /** Whether the model's signal equals the engine's label. */
  readonly agrees: boolean;
  readonly blended?: BlendedLabel;
  readonly model: string;
  readonly promptVersion: string;
  /** SHA-256 of the prompt template: with the result's input hash, what makes the answer replayable. */
  readonly promptHash: string;
  /** The result's input hash the opinion is about. */
  readonly inputHash: string;
  /** When the model answered (ms, UTC). */
  readonly createdAt: number;
  /** True when this answer came from the cache (no request was made for it). */
  readonly cached: boolean;
}

export interface UnavailableOpinion {
  readonly status: 'unavailable';
  readonly reason: OpinionUnavailableReason;
  /** A short human explanation (never a key, never an upstream body). */
  readonly detail: string;
}

export type LlmOpinion = AvailableOpinion | UnavailableOpinion;
