import type { StreamRef } from './event-bus.js';

export const Signal = {
  Long: 'LONG',
  Neutral: 'NEUTRAL',
  Short: 'SHORT',
} as const;

export type Signal = (typeof Signal)[keyof typeof Signal];

/**
 * A stream's label changed (the first label of a stream counts as a change from null): the signal
 * history as stored, and the body of the `signal.changed` event (which adds where and when it was
 * published).
 */
export interface SignalChange extends StreamRef {
  /** Open time of the candle whose result changed the label. */
  readonly time: number;
  readonly from: Signal | null;
  readonly to: Signal;
  readonly score: number;
  readonly confidence: number;
}
