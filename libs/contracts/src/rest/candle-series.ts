import {
  alignmentFault,
  CANDLE_FIELDS,
  type CandleField,
  candleFaults,
  isAlignedOpenTime,
  onlyEnvelopeFaults,
} from '../candle.js';
import { isTimeframe, type Timeframe, TIMEFRAMES } from '../timeframe.js';
import type { ArrayBounds } from '../array-sizes.js';

import type { FieldIssue } from '../confluence.error.js';

// Where the edges have always imported it from.
export type { FieldIssue } from '../confluence.error.js';

/** Candles a client may send per timeframe (POST analyze / indicators). */
export const MAX_CANDLES_PER_TIMEFRAME = 5000;

const TOO_MANY_CANDLES = `must hold at most ${MAX_CANDLES_PER_TIMEFRAME} candles`;

/** Enough to name a client's mistakes without echoing a 5,000-candle body back. */
const MAX_ISSUES = 50;

/** A JSON object (not an array, not null). */
export function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function candleIssues(candle: unknown, path: string, issues: FieldIssue[]): number | null {
  if (!isPlainRecord(candle)) {
    issues.push({ field: path, message: 'must be an object {timestamp, open, high, low, close, volume}' });
    return null;
  }
  for (const key of Object.keys(candle))
    if (!(CANDLE_FIELDS as readonly string[]).includes(key))
      issues.push({ field: `${path}.${key}`, message: 'property should not exist' });
  const faults = candleFaults(candle as Record<CandleField, unknown>);
  for (const { field, message } of faults) issues.push({ field: `${path}.${field}`, message });
  return onlyEnvelopeFaults(faults) ? (candle.timestamp as number) : null;
}

/**
 * Every problem of one candle series: shape, finite positive prices, `high ≥ max(open, close)`,
 * `low ≤ min(open, close)`, volume ≥ 0, open times strictly increasing and (with a timeframe)
 * aligned to it. Hand-written rather than class-validator per candle: 5,000 candles validate in
 * well under a millisecond, and every issue carries its exact path.
 */
export function candleSeriesIssues(
  series: unknown,
  path: string,
  timeframe: Timeframe | null,
  issues: FieldIssue[] = [],
): FieldIssue[] {
  if (!Array.isArray(series)) {
    issues.push({ field: path, message: 'must be an array of candles' });
    return issues;
  }
  if (series.length === 0) issues.push({ field: path, message: 'must hold at least one candle' });
  if (series.length > MAX_CANDLES_PER_TIMEFRAME) {
    issues.push({ field: path, message: TOO_MANY_CANDLES });
    return issues;
  }
  let previous: number | null = null;
  for (const [index, candle] of series.entries()) {
    if (issues.length >= MAX_ISSUES) break;
    const here = `${path}[${index}]`;
    const timestamp = candleIssues(candle, here, issues);
    if (timestamp === null) {
      previous = null;
      continue;
    }
    if (timeframe !== null && !isAlignedOpenTime(timestamp, timeframe))
      issues.push({ field: `${here}.timestamp`, message: alignmentFault(timeframe) });
    if (previous !== null && timestamp <= previous)
      issues.push({
        field: `${here}.timestamp`,
        message: 'must be later than the previous candle (oldest first)',
      });
    previous = timestamp;
  }
  return issues.slice(0, MAX_ISSUES);
}

/** Issues of `{"<timeframe>": [candles], ...}` (POST analyze's `candles`). */
export function candleSeriesMapIssues(value: unknown, path: string): FieldIssue[] {
  if (!isPlainRecord(value)) return [{ field: path, message: 'must be an object of timeframe → candles' }];
  const keys = Object.keys(value);
  if (keys.length === 0) return [{ field: path, message: 'must hold at least one timeframe' }];
  const issues: FieldIssue[] = [];
  for (const key of keys) {
    if (!isTimeframe(key))
      issues.push({ field: `${path}.${key}`, message: 'is not a known timeframe (1m, 5m, 1h, …)' });
    else candleSeriesIssues(value[key], `${path}.${key}`, key, issues);
  }
  return issues.slice(0, MAX_ISSUES);
}

/** One candle series' bound, for a scan of the raw body: past it, the issue `candleSeriesIssues` names. */
export function candleSeriesBounds(): ArrayBounds {
  return { max: MAX_CANDLES_PER_TIMEFRAME, message: TOO_MANY_CANDLES, properties: new Map() };
}

/**
 * `{"<timeframe>": [candles], ...}`'s bounds: a series under each known timeframe. Under any other
 * key an array is not counted: `candleSeriesMapIssues` refuses the key itself, not its length.
 */
export function candleSeriesMapBounds(): ArrayBounds {
  const series = candleSeriesBounds();
  return { max: null, message: '', properties: new Map(TIMEFRAMES.map((timeframe) => [timeframe, series])) };
}
