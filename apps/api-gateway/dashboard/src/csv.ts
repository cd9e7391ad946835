import type { Candle } from './types.js';

const COLUMNS = ['timestamp', 'open', 'high', 'low', 'close', 'volume'] as const;
type Column = (typeof COLUMNS)[number];

export type CsvParse =
  { readonly ok: true; readonly candles: Candle[] } | { readonly ok: false; readonly error: string };

/** Column positions: from a header naming all six (any order, more allowed), or the files' own order. */
function columnsOf(
  first: readonly string[],
): { readonly at: Readonly<Record<Column, number>>; readonly header: boolean } | string {
  const names = first.map((cell) => cell.trim().toLowerCase());
  if (names.every((name) => name === '' || !Number.isNaN(Number(name))))
    return { at: { timestamp: 0, open: 1, high: 2, low: 3, close: 4, volume: 5 }, header: false };
  const missing = COLUMNS.filter((column) => !names.includes(column));
  if (missing.length > 0)
    return `line 1: the header lacks ${missing.join(', ')} (expected ${COLUMNS.join(',')})`;
  const at = Object.fromEntries(COLUMNS.map((column) => [column, names.indexOf(column)])) as Record<
    Column,
    number
  >;
  return { at, header: true };
}

/** An open time: integer ms since the epoch (as the bundled files), or an ISO 8601 date. */
function timestampOf(cell: string): number {
  const text = cell.trim();
  if (/^-?\d+$/.test(text)) return Number(text);
  return text === '' ? Number.NaN : Date.parse(text);
}

/**
 * Candles from CSV text (`timestamp,open,high,low,close,volume`, a header line optional): only the
 * syntax is checked here, naming the line and column; the candles' own rules (high ≥ low, aligned,
 * increasing times) are the gateway's, whose 400 names each offending field.
 */
export function parseCandlesCsv(text: string): CsvParse {
  const lines = text.split(/\r?\n/).map((line, index) => ({ line, number: index + 1 }));
  const rows = lines.filter(({ line }) => line.trim() !== '');
  const first = rows[0];
  if (first === undefined) return { ok: false, error: 'no candles: paste or upload a CSV' };
  const columns = columnsOf(first.line.split(','));
  if (typeof columns === 'string') return { ok: false, error: columns };
  const candles: Candle[] = [];
  for (const { line, number } of columns.header ? rows.slice(1) : rows) {
    const cells = line.split(',');
    const value = (column: Column): number => {
      const cell = cells[columns.at[column]] ?? '';
      return column === 'timestamp' ? timestampOf(cell) : cell.trim() === '' ? Number.NaN : Number(cell);
    };
    const candle = {
      timestamp: value('timestamp'),
      open: value('open'),
      high: value('high'),
      low: value('low'),
      close: value('close'),
      volume: value('volume'),
    };
    const bad = COLUMNS.find((column) => !Number.isFinite(candle[column]));
    if (bad !== undefined)
      return {
        ok: false,
        error: `line ${number}: ${bad} is not a ${bad === 'timestamp' ? 'time' : 'number'}`,
      };
    candles.push(candle);
  }
  if (candles.length === 0) return { ok: false, error: 'no candles: the CSV has a header only' };
  return { ok: true, candles };
}
