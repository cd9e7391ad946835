import 'reflect-metadata';
import { registerDecorator, type ValidationArguments } from 'class-validator';
import {
  alignmentFault,
  CANDLE_FIELDS,
  type CandleField,
  candleFaults,
  isAlignedOpenTime,
  onlyEnvelopeFaults,
} from '../candle.js';
import { isTimeframe, type Timeframe } from '../timeframe.js';

import type { FieldIssue } from '../confluence.error.js';

// Where the edges have always imported it from.
export type { FieldIssue } from '../confluence.error.js';

/** Candles a client may send per timeframe (POST analyze / indicators). */
export const MAX_CANDLES_PER_TIMEFRAME = 5000;

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
    issues.push({ field: path, message: `must hold at most ${MAX_CANDLES_PER_TIMEFRAME} candles` });
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

/**
 * class-validator messages carry the issues as JSON, so the gateway's 400 can list each offending
 * field (see `flattenValidationErrors`).
 */
function issueMessage(issues: readonly FieldIssue[]): string {
  // JSON, so a client's odd property names (with ": " or newlines) survive the round trip whole.
  return JSON.stringify(issues);
}

/** Reads a `candleSeries` constraint's message back into its issues (paths under `prefix`). */
export function parseIssueMessage(message: string, prefix: string): FieldIssue[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    parsed = null;
  }
  const valid =
    Array.isArray(parsed) &&
    parsed.every(
      (issue: unknown) =>
        typeof issue === 'object' &&
        issue !== null &&
        typeof (issue as Partial<FieldIssue>).field === 'string' &&
        typeof (issue as Partial<FieldIssue>).message === 'string',
    );
  if (!valid) return [{ field: prefix, message }];
  return (parsed as FieldIssue[]).map(({ field, message: text }) => ({
    field: prefix === '' ? field : `${prefix}.${field}`,
    message: text,
  }));
}

export const CANDLE_SERIES_CONSTRAINT = 'candleSeries';

/** Reflect metadata on a DTO class: the properties validated as the client sent them. */
const PLAIN_FIELDS = 'confluence:plainFields';

/**
 * Marks a property whose validator reads plain JSON (the candle validators below), so the
 * gateway's ValidationPipe hands it over as parsed instead of letting class-transformer copy it:
 * copying 500 candles object by object was most of a POST analyze's cost outside the engine.
 */
function markPlain(target: object, propertyName: string): void {
  const type = target.constructor;
  // Inherited metadata included, so a subclass's list holds its parents' fields too.
  Reflect.defineMetadata(PLAIN_FIELDS, [...plainFieldsOf(type), propertyName], type);
}

/** The properties of a DTO class (and its parents) marked by `IsCandleSeries(Map)`. */
export function plainFieldsOf(type: object): readonly string[] {
  return (Reflect.getMetadata(PLAIN_FIELDS, type) as readonly string[] | undefined) ?? [];
}

/** A candle series property (array), optionally aligned to a timeframe given by another property. */
export function IsCandleSeries(timeframeProperty?: string): PropertyDecorator {
  const issuesOf = (value: unknown, args: ValidationArguments): FieldIssue[] => {
    const raw =
      timeframeProperty === undefined
        ? undefined
        : (args.object as Record<string, unknown>)[timeframeProperty];
    return candleSeriesIssues(value, args.property, isTimeframe(raw) ? raw : null);
  };
  return (target, propertyName) => {
    markPlain(target, String(propertyName));
    registerDecorator({
      name: CANDLE_SERIES_CONSTRAINT,
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown, args: ValidationArguments) => issuesOf(value, args).length === 0,
        defaultMessage: (args: ValidationArguments) => issueMessage(issuesOf(args.value, args)),
      },
    });
  };
}

/** A `{"<timeframe>": [candles]}` property. */
export function IsCandleSeriesMap(): PropertyDecorator {
  return (target, propertyName) => {
    markPlain(target, String(propertyName));
    registerDecorator({
      name: CANDLE_SERIES_CONSTRAINT,
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown, args: ValidationArguments) =>
          candleSeriesMapIssues(value, args.property).length === 0,
        defaultMessage: (args: ValidationArguments) =>
          issueMessage(candleSeriesMapIssues(args.value, args.property)),
      },
    });
  };
}
