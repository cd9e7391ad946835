import { CANDLE_FIELDS, candleFaults } from '@app/contracts';
import type { Candle } from './market-data.types.js';

export const CSV_COLUMNS = CANDLE_FIELDS;

export type CsvParseResult =
  | { readonly ok: true; readonly candles: readonly Candle[] }
  | { readonly ok: false; readonly line: number; readonly message: string };

const fail = (line: number, message: string): CsvParseResult => ({ ok: false, line, message });

/**
 * Parses `timestamp,open,high,low,close,volume` CSV (header row first; columns in any order,
 * extra columns ignored) into candles, stopping at the first bad line with its 1-based number.
 * Rules: numbers only; the candle rules of `candleFaults` (@app/contracts); timestamps (open
 * time, ms) strictly increasing.
 */
export function parseCandleCsv(text: string): CsvParseResult {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((h) => h.trim().toLowerCase());
  const missing = CSV_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length > 0)
    return fail(1, `missing column(s): ${missing.join(', ')} (header must name ${CSV_COLUMNS.join(',')})`);
  const index = Object.fromEntries(CSV_COLUMNS.map((c) => [c, header.indexOf(c)])) as Record<
    (typeof CSV_COLUMNS)[number],
    number
  >;
  const candles: Candle[] = [];
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    if (raw.trim() === '') continue;
    const lineNumber = i + 1;
    const cells = raw.split(',');
    const values = {} as Record<(typeof CSV_COLUMNS)[number], number>;
    for (const column of CSV_COLUMNS) {
      const cell = (cells[index[column]] ?? '').trim();
      const value = Number(cell);
      if (cell === '' || !Number.isFinite(value))
        return fail(lineNumber, `${column} is not a number: "${cell}"`);
      values[column] = value;
    }
    const { timestamp, open, high, low, close, volume } = values;
    const [fault] = candleFaults(values, true);
    if (fault !== undefined) return fail(lineNumber, `${fault.field} ${fault.message}`);
    const previous = candles.at(-1);
    if (previous !== undefined && timestamp <= previous.timestamp) {
      return fail(
        lineNumber,
        `timestamps must increase strictly (${timestamp} after ${previous.timestamp}); is the file sorted?`,
      );
    }
    candles.push({ timestamp, open, high, low, close, volume });
  }
  if (candles.length === 0) return fail(2, 'no candles after the header');
  return { ok: true, candles };
}
