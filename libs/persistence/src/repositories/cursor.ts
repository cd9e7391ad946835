import { isTimeMs } from '@app/contracts';
import { StoreInputError } from '../persistence.errors.js';

/**
 * Opaque page cursors: base64url of the last item's time. Listings are newest first and times
 * are unique per stream, so "strictly older than the cursor" continues exactly where a page ended.
 */
export function encodeCursor(time: number): string {
  return Buffer.from(`t:${time}`).toString('base64url');
}

export function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^t:(\d{1,16})$/.exec(text);
  // A forged cursor past the time range would reach the query as an Invalid Date (a CastError).
  const time = match === null ? null : Number(match[1]);
  if (!isTimeMs(time)) throw new StoreInputError('cursor', 'is not a cursor this service issued');
  return time;
}
