/** Where the close sits in the recent high–low range, shared by the stochastic and Williams %R. */
import type { CandleColumns } from '../indicator.types.js';
import { notReady } from './kernels.js';

/** Where `close` sits in the window's range, 0..1; the middle (0.5) when the window is flat. */
export function rangePosition(close: number, highest: number, lowest: number): number {
  const range = highest - lowest;
  return range > 0 ? (close - lowest) / range : 0.5;
}

/**
 * Position of close in the `period` range, 0..1 (0.5 when flat), from index period − 1. Rolling
 * highest/lowest via monotonic deques (van Herk/Gil-Werman style sliding extremes): O(1) amortised.
 */
export function rangePositions(c: CandleColumns, period: number): Float64Array {
  const n = c.length;
  const out = notReady(n);
  const maxQueue = new Int32Array(n);
  const minQueue = new Int32Array(n);
  let maxHead = 0;
  let maxTail = 0;
  let minHead = 0;
  let minTail = 0;
  for (let i = 0; i < n; i++) {
    const high = c.high[i] as number;
    const low = c.low[i] as number;
    while (maxTail > maxHead && (c.high[maxQueue[maxTail - 1] as number] as number) <= high) maxTail--;
    maxQueue[maxTail++] = i;
    while (minTail > minHead && (c.low[minQueue[minTail - 1] as number] as number) >= low) minTail--;
    minQueue[minTail++] = i;
    if ((maxQueue[maxHead] as number) <= i - period) maxHead++;
    if ((minQueue[minHead] as number) <= i - period) minHead++;
    if (i < period - 1) continue;
    const highest = c.high[maxQueue[maxHead] as number] as number;
    const lowest = c.low[minQueue[minHead] as number] as number;
    const range = highest - lowest;
    out[i] = range > 0 ? ((c.close[i] as number) - lowest) / range : 0.5;
  }
  return out;
}
