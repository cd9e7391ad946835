import { floor, max, min } from '../domain/fast-math.js';
/** Small numeric helpers shared by the components; every one is total (no NaN out of finite input). */

/**
 * The q-quantile (0 ≤ q ≤ 1) by linear interpolation between order statistics — Hyndman & Fan
 * (1996) definition 7, the default of R, NumPy and Excel's PERCENTILE. Null for no values.
 */
export function quantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const position = min(1, max(0, q)) * (sorted.length - 1);
  const below = floor(position);
  const low = sorted[below] as number;
  const high = sorted[min(below + 1, sorted.length - 1)] as number;
  return low + (high - low) * (position - below);
}

/** The middle value (mean of the two middle ones for an even count); null for no values. */
export function median(values: readonly number[]): number | null {
  return quantile(values, 0.5);
}

/** Arithmetic mean; null for no values. */
export function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  let total = 0;
  for (const value of values) total += value;
  return total / values.length;
}
