/**
 * Candle timeframes the service understands, in ccxt's notation. Durations are fixed except the
 * calendar month, whose length is given as 30 days for scheduling purposes only.
 */
export const TIMEFRAME_MS = {
  '1m': 60_000,
  '3m': 3 * 60_000,
  '5m': 5 * 60_000,
  '15m': 15 * 60_000,
  '30m': 30 * 60_000,
  '1h': 3_600_000,
  '2h': 2 * 3_600_000,
  '4h': 4 * 3_600_000,
  '6h': 6 * 3_600_000,
  '8h': 8 * 3_600_000,
  '12h': 12 * 3_600_000,
  '1d': 86_400_000,
  '3d': 3 * 86_400_000,
  '1w': 7 * 86_400_000,
  '1M': 30 * 86_400_000,
} as const;

export type Timeframe = keyof typeof TIMEFRAME_MS;

export const TIMEFRAMES = Object.freeze(Object.keys(TIMEFRAME_MS)) as readonly Timeframe[];

export function isTimeframe(value: unknown): value is Timeframe {
  return typeof value === 'string' && Object.hasOwn(TIMEFRAME_MS, value);
}

export function timeframeToMs(timeframe: Timeframe): number {
  return TIMEFRAME_MS[timeframe];
}
