import type { KeyHealth } from './key-pool.js';

/** One request for an opinion: the rendered messages and the answer's JSON schema. */
export interface ModelRequest {
  readonly system: string;
  readonly user: string;
  readonly schema: Readonly<Record<string, unknown>>;
}

export interface TokenUsage {
  readonly promptTokens: number;
  readonly completionTokens: number;
}

/** Why no answer came back, after every key and retry the policy allows. */
export type ModelFailure = 'keys-failing' | 'timeout' | 'upstream-error' | 'busy';

export type ModelOutcome =
  | {
      readonly ok: true;
      /** The message content (null when the model refused, with `refusal` set). */
      readonly content: string | null;
      readonly refusal: string | null;
      readonly finishReason: string;
      readonly usage: TokenUsage;
      readonly model: string;
      /** The key that answered, by its last four characters. */
      readonly key: string;
      readonly attempts: number;
    }
  | { readonly ok: false; readonly reason: ModelFailure; readonly detail: string; readonly attempts: number };

/** What one attempt came to, for metrics. */
export type AttemptOutcome =
  'ok' | 'rate-limited' | 'key-refused' | 'timeout' | 'server-error' | 'connection-error' | 'bad-request';

/**
 * The model behind an interface our lib owns (STYLE.md: vendors behind interfaces): the opinion
 * service never sees the SDK, and its tests give it a scripted model.
 */
export abstract class OpinionModel {
  abstract readonly model: string;
  abstract ask(request: ModelRequest): Promise<ModelOutcome>;
  /** Each key's standing, by its last four characters. */
  abstract keys(now: number): readonly KeyHealth[];
}
