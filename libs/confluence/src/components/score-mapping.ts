import { finite, max, min, tanh } from '../domain/fast-math.js';
/**
 * Continuous maps from a normalised reading to a 0–100 sub-score (50 = neutral, > 50 bullish).
 * tanh keeps every score strictly inside (0, 100), is monotonic, and is linear near neutral, so
 * small readings move the score proportionally and large ones saturate instead of clipping.
 */

/** Beyond ±15 scales tanh rounds to exactly ±1 in doubles; capping keeps scores strictly inside (0, 100). */
const MAX_SCALES = 15;

/** 50 + 50·tanh(value / scale): `scale` is the reading at which the score reaches ≈ 88 (or ≈ 12). */
export function tanhScore(value: number, scale: number): number {
  if (!finite(value) || !(scale > 0)) return 50;
  const x = max(-MAX_SCALES, min(MAX_SCALES, value / scale));
  return 50 + 50 * tanh(x);
}

/** (a − b) / (a + b) in −1..1, 0 when both are zero (no information either way). */
export function imbalance(a: number, b: number): number {
  const total = a + b;
  return total > 0 ? (a - b) / total : 0;
}

/** a / b, or 0 when b is not a positive number (an absent denominator carries no signal). */
export function ratio(a: number, b: number): number {
  return b > 0 && finite(a) ? a / b : 0;
}
