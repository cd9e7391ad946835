import { Signal } from '@app/contracts';
import type { BlendedLabel } from '@app/contracts';

/**
 * The model's opinion as a score on the engine's scale: 50 ± 50 × confidence, up for LONG, down
 * for SHORT, 50 for NEUTRAL whatever its confidence. Mirror-symmetric by construction: swapping
 * LONG and SHORT mirrors the score around 50, so the blend cannot lean either way.
 */
export function opinionScore(signal: Signal, confidence: number): number {
  const direction = signal === Signal.Long ? 1 : signal === Signal.Short ? -1 : 0;
  return 50 + 50 * confidence * direction;
}

/** The engine's labelling rule (SHORT ≤ short < NEUTRAL < long ≤ LONG) applied to any score. */
export function labelOf(
  score: number,
  thresholds: { readonly short: number; readonly long: number },
): Signal {
  if (score <= thresholds.short) return Signal.Short;
  if (score >= thresholds.long) return Signal.Long;
  return Signal.Neutral;
}

/** (1 − w) × engine + w × model; none at weight 0, where the opinion is advisory only. */
export function blendLabel(
  engineScore: number,
  thresholds: { readonly short: number; readonly long: number },
  opinion: { readonly signal: Signal; readonly confidence: number },
  weight: number,
): BlendedLabel | undefined {
  if (weight <= 0) return undefined;
  const score = (1 - weight) * engineScore + weight * opinionScore(opinion.signal, opinion.confidence);
  const rounded = Math.round(score * 10_000) / 10_000;
  return { weight, score: rounded, label: labelOf(score, thresholds) };
}
