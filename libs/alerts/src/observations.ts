import type { Signal, StreamRef } from '@app/contracts';

/** A stream's result, as `confluence.updated` (candle trigger) carries it. */
export interface ResultObservation extends StreamRef {
  readonly candleTime: number;
  readonly score: number;
  readonly label: Signal;
  readonly confidence: number;
  /** Share (0–1) of the weight whose components had data. */
  readonly coverage: number;
}

/** A label change, as `signal.changed` carries it (`from` null: the stream's first label). */
export interface LabelChange extends StreamRef {
  /** Open time of the candle whose result changed the label. */
  readonly time: number;
  readonly from: Signal | null;
  readonly to: Signal;
  readonly score: number;
  readonly confidence: number;
}

/** An LLM opinion of a result, as `llm.opinion` carries it. */
export interface OpinionObservation extends StreamRef {
  readonly candleTime: number;
  /** The engine's own score and label of that result. */
  readonly score: number;
  readonly label: Signal;
  readonly opinion: {
    readonly status: 'ok' | 'unavailable';
    readonly signal?: Signal | undefined;
    readonly agrees?: boolean | undefined;
    readonly confidence?: number | undefined;
    readonly reasoning?: string | undefined;
    readonly model?: string | undefined;
  };
}

/** Seconds since a stream's newest closed candle arrived; null when none has yet. */
export interface StreamAge {
  readonly stream: StreamRef;
  readonly ageSeconds: number | null;
}
