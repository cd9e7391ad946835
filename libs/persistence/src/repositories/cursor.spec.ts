import { describe, expect, it } from '@jest/globals';
import { MAX_TIME_MS } from '@app/contracts';
import { StoreInputError } from '../persistence.errors.js';
import { decodeCursor, encodeCursor } from './cursor.js';

const forged = (text: string): string => Buffer.from(text).toString('base64url');

describe('page cursors', () => {
  it('decodes what it encoded, up to the last time of the range', () => {
    for (const time of [0, 1_613_692_800_000, MAX_TIME_MS])
      expect(decodeCursor(encodeCursor(time))).toBe(time);
  });

  it.each([
    ['not base64 of a cursor', 'not a cursor'],
    ['a time past year 9999', forged(`t:${MAX_TIME_MS + 1}`)],
    // 16 digits, as the format allows, but past JavaScript's last date: an Invalid Date in a query.
    ['a time past the last JavaScript date', forged('t:9999999999999999')],
    ['a negative time', forged('t:-1')],
  ])('refuses %s as a client fault, before any query', (_case, cursor) => {
    expect(() => decodeCursor(cursor)).toThrow(StoreInputError);
  });
});
