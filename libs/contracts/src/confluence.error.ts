/**
 * Every domain error's code. Each app maps them to its answer in one place (the gateway's
 * `ERROR_STATUS` table is a `Record<ErrorCode, number>`, so a new code does not compile until it
 * has a status).
 */
export const ErrorCode = {
  /** A client's input, named field by field. */
  InputInvalid: 'INPUT_INVALID',
  /** What was asked for does not exist (an untracked market, no result yet). */
  NotFound: 'NOT_FOUND',
  /** A client sent more than its rate allows. */
  RateLimited: 'RATE_LIMITED',
  /** A client asked for more than a fixed limit allows (subscriptions per connection, …). */
  LimitExceeded: 'LIMIT_EXCEEDED',
  /** A query the store cannot run (a malformed cursor): the caller's mistake. */
  StoreInputInvalid: 'STORE_INPUT_INVALID',
  /** The store did not take or answer a request in time. */
  StoreUnavailable: 'STORE_UNAVAILABLE',
  /** A configuration file or variable is invalid (at boot). */
  ConfigInvalid: 'CONFIG_INVALID',
  /** An engine snapshot that cannot be restored. */
  SnapshotInvalid: 'ENGINE_SNAPSHOT_INVALID',
  /** Asked to snapshot state that has none to save. */
  SnapshotUnsupported: 'ENGINE_SNAPSHOT_UNSUPPORTED',
  /** An exchange answered with data that does not parse or breaks the rules. */
  ExchangeMalformed: 'EXCHANGE_MALFORMED_RESPONSE',
  /** An exchange asked us to slow down. */
  ExchangeRateLimited: 'EXCHANGE_RATE_LIMITED',
  /** An exchange's error, classified by its client (timeout, rejection, …). */
  ExchangeFault: 'EXCHANGE_FAULT',
  /** An exchange's circuit is open: no calls until it probes again. */
  ExchangeCircuitOpen: 'EXCHANGE_CIRCUIT_OPEN',
  /** An exchange call failed for good (retries spent, or not retryable). */
  ExchangeCallFailed: 'EXCHANGE_CALL_FAILED',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** One offending field of an input, by its path (`candles.1m[3].high`). */
export interface FieldIssue {
  readonly field: string;
  readonly message: string;
}

/**
 * Base of every domain error. Libraries throw these (never HttpException); each app maps the
 * `code` to an HTTP, WebSocket or RPC answer in one filter.
 */
export abstract class ConfluenceError extends Error {
  abstract readonly code: ErrorCode;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A client's input broke the rules; `issues` names every offending field. */
export class InputError extends ConfluenceError {
  readonly code = ErrorCode.InputInvalid;

  /** By default the message names the first three fields (`errors` of a 400 lists them all). */
  constructor(
    readonly issues: readonly FieldIssue[],
    message = `invalid input: ${issues
      .slice(0, 3)
      .map((issue) => issue.field)
      .join(', ')}${issues.length > 3 ? ', …' : ''}`,
  ) {
    super(message);
  }
}

/** What was asked for does not exist; the message says what and, where it helps, where to look. */
export class NotFoundError extends ConfluenceError {
  readonly code = ErrorCode.NotFound;
}

/** A client sent more than its rate allows; the message says the rate. */
export class RateLimitError extends ConfluenceError {
  readonly code = ErrorCode.RateLimited;
}

/** A client asked for more than a fixed limit allows; the message says the limit. */
export class LimitExceededError extends ConfluenceError {
  readonly code = ErrorCode.LimitExceeded;
}

/** The store could not take or answer a request; the message says what was not done. */
export class StoreUnavailableError extends ConfluenceError {
  readonly code = ErrorCode.StoreUnavailable;
}
