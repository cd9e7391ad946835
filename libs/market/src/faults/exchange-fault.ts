import { ConfluenceError, ErrorCode, errorMessage } from '@app/contracts';

/** What went wrong with a call to an exchange, as far as retrying and health care. */
export const FaultKind = {
  RateLimited: 'rate-limited',
  Maintenance: 'maintenance',
  Unavailable: 'unavailable',
  Timeout: 'timeout',
  Network: 'network',
  BadResponse: 'bad-response',
  /** The exchange refused the request itself (unknown symbol, bad parameter): retrying will not help. */
  Rejected: 'rejected',
  CircuitOpen: 'circuit-open',
  Unknown: 'unknown',
} as const;
export type FaultKind = (typeof FaultKind)[keyof typeof FaultKind];

export interface ExchangeFault {
  readonly kind: FaultKind;
  readonly message: string;
  /** The wait the exchange asked for (429 `Retry-After`), when it said. */
  readonly retryAfterMs: number | null;
  readonly retryable: boolean;
}

/** A response that reached us but does not hold what it should: dropped, counted, never passed on. */
export class MalformedResponseError extends ConfluenceError {
  readonly code = ErrorCode.ExchangeMalformed;
}

/** A rate-limit answer with the wait the exchange asked for (ccxt's errors do not carry headers). */
export class RateLimitedError extends ConfluenceError {
  readonly code = ErrorCode.ExchangeRateLimited;
  constructor(
    message: string,
    readonly retryAfterMs: number | null,
  ) {
    super(message);
  }
}

/**
 * A vendor's error, classified where the vendor's client catches it (the ccxt client knows
 * ccxt's error classes; nothing else has to load ccxt to tell a timeout from a rejection).
 */
export class ClassifiedExchangeError extends ConfluenceError {
  readonly code = ErrorCode.ExchangeFault;
  constructor(
    readonly kind: FaultKind,
    readonly retryable: boolean,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Thrown instead of calling an exchange whose circuit is open. */
export class CircuitOpenError extends ConfluenceError {
  readonly code = ErrorCode.ExchangeCircuitOpen;
  constructor(
    readonly exchange: string,
    readonly retryAt: number | null,
  ) {
    super(
      `${exchange}: circuit open, no calls until ${retryAt === null ? 'a probe' : new Date(retryAt).toISOString()}`,
    );
  }
}

/** The call failed for good (retries spent, or not retryable). */
export class ExchangeCallError extends ConfluenceError {
  readonly code = ErrorCode.ExchangeCallFailed;
  constructor(
    readonly exchange: string,
    readonly operation: string,
    readonly fault: ExchangeFault,
  ) {
    super(`${exchange} ${operation}: ${fault.kind}: ${fault.message}`);
  }
}

const MAX_MESSAGE = 240;

/**
 * Any error of an exchange call → our fault kinds: the client's own classification when it made
 * one (ccxt's error classes, see exchange/ccxt-faults.ts), else what the error itself says.
 */
export function classifyExchangeError(error: unknown): ExchangeFault {
  const message = shorten(errorMessage(error));
  const fault = (kind: FaultKind, retryable = true, retryAfter: number | null = null): ExchangeFault => ({
    kind,
    message,
    retryAfterMs: retryAfter,
    retryable,
  });
  if (error instanceof CircuitOpenError) return fault(FaultKind.CircuitOpen, false);
  if (error instanceof RateLimitedError) return fault(FaultKind.RateLimited, true, error.retryAfterMs);
  if (error instanceof ClassifiedExchangeError) return fault(error.kind, error.retryable);
  if (isConnectionError(error)) return fault(FaultKind.Network);
  if (error instanceof MalformedResponseError || error instanceof SyntaxError)
    return fault(FaultKind.BadResponse);
  return fault(FaultKind.Unknown);
}

const CONNECTION_CODES =
  /^(ECONNRESET|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EPIPE|EHOSTUNREACH|ENETUNREACH|UND_ERR_\w+)$/;

/**
 * Connection failures ccxt sometimes lets through unwrapped: undici's `TypeError: fetch failed`
 * (the reason is in `cause`), and Node's socket errors with their `code`.
 */
function isConnectionError(error: unknown, depth = 0): boolean {
  // Duck-typed: undici's errors come from Node's own realm, where `instanceof` against this
  // realm's TypeError can fail (Jest's VM contexts, for one).
  if (typeof error !== 'object' || error === null || depth > 3) return false;
  const { code, name, message, cause } = error as {
    code?: unknown;
    name?: unknown;
    message?: unknown;
    cause?: unknown;
  };
  if (typeof code === 'string' && CONNECTION_CODES.test(code)) return true;
  if (name === 'TypeError' && typeof message === 'string' && /fetch failed/i.test(message)) return true;
  return isConnectionError(cause, depth + 1);
}

/** Error texts from exchanges can carry whole response bodies; keep logs and health readable. */
function shorten(message: string): string {
  const oneLine = message.replace(/\s+/g, ' ').trim();
  return oneLine.length <= MAX_MESSAGE ? oneLine : `${oneLine.slice(0, MAX_MESSAGE - 1)}…`;
}
