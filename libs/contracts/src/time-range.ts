/**
 * The one range of every time field (ms since the epoch, UTC) a client, a file, an exchange or
 * the bus may give: an integer from the epoch to the last millisecond of year 9999. Checked by
 * `isTimeMs` (the candle rule, the engine's snapshot checks, exchange responses, page cursors, LLM
 * cost days) and by `@IsTimeMs()` (every time of a REST DTO or a bus event).
 *
 * Why bounded: a JavaScript date ends at ±8.64e15 ms (year 275760). Past it `new Date(t)` is an
 * Invalid Date, which mongoose refuses (CastError) and `toISOString` throws on (RangeError), so
 * `?to=99999999999999999` or a candle at 9e15 was a 500. Year 9999 is where four-digit ISO years
 * end (a last candle's close time may step into `+010000-01-01`, still far inside a Date). Before
 * the epoch: no market data, and the candle rule always refused negative open times.
 */
export const MIN_TIME_MS = 0;
/** 9999-12-31T23:59:59.999Z. */
export const MAX_TIME_MS = 253_402_300_799_999;

/** The range in words, for every message that refuses a time. */
export const TIME_MS_RANGE = `an integer from ${MIN_TIME_MS} to ${MAX_TIME_MS} (9999-12-31T23:59:59.999Z)`;

/** Whether `value` is a time in the range (an integer, so `1e300` is not: it is past the end). */
export function isTimeMs(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= MIN_TIME_MS && value <= MAX_TIME_MS;
}
