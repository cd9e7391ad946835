import { ConfluenceError, ErrorCode } from '@app/contracts';

/** A caller passed something the store cannot query with (a client fault: maps to 400). */
export class StoreInputError extends ConfluenceError {
  readonly code = ErrorCode.StoreInputInvalid;

  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field} ${problem}`);
  }
}

/** MongoDB's duplicate-key error code (E11000). */
export const DUPLICATE_KEY = 11000;

export function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === DUPLICATE_KEY;
}
