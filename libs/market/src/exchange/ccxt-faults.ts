import {
  BadRequest,
  BadResponse,
  BadSymbol,
  BaseError,
  DDoSProtection,
  ExchangeError,
  ExchangeNotAvailable,
  NetworkError,
  OnMaintenance,
  OperationFailed,
  RateLimitExceeded,
  RequestTimeout,
} from 'ccxt';
import { ClassifiedExchangeError, FaultKind } from '../faults/exchange-fault.js';

/**
 * ccxt's error classes → our fault kinds. Order matters: ccxt's hierarchy nests OnMaintenance
 * under ExchangeNotAvailable and both, with RequestTimeout and the rate limits, under NetworkError.
 * Null for anything that is not a ccxt error.
 */
function kindOf(error: unknown): { readonly kind: FaultKind; readonly retryable: boolean } | null {
  if (!(error instanceof BaseError)) return null;
  const retry = (kind: FaultKind, retryable = true) => ({ kind, retryable });
  if (error instanceof RateLimitExceeded || error instanceof DDoSProtection)
    return retry(FaultKind.RateLimited);
  // Bybit's maintenance answer (retCode 10016) reaches us as a plain ExchangeError.
  if (
    error instanceof OnMaintenance ||
    (error instanceof ExchangeError && /maintenance|restarting/i.test(error.message))
  )
    return retry(FaultKind.Maintenance);
  if (error instanceof ExchangeNotAvailable) return retry(FaultKind.Unavailable);
  if (error instanceof RequestTimeout) return retry(FaultKind.Timeout);
  if (error instanceof NetworkError) return retry(FaultKind.Network);
  if (error instanceof BadResponse) return retry(FaultKind.BadResponse);
  if (error instanceof BadSymbol || error instanceof BadRequest) return retry(FaultKind.Rejected, false);
  // Other exchange errors are often transient server trouble reported in a JSON body (Binance's
  // -1001 "internal error" is an OperationFailed, Bybit's 5xx JSON an ExchangeError).
  if (error instanceof ExchangeError || error instanceof OperationFailed) return retry(FaultKind.Unavailable);
  return retry(FaultKind.Unknown);
}

/**
 * What the ccxt client throws for an error of ccxt's: the same message, classified, the original
 * as its cause. Any other error (ours, or a socket error ccxt let through) passes unchanged.
 */
export function fromCcxtError(error: unknown): unknown {
  const classified = kindOf(error);
  if (classified === null || !(error instanceof Error)) return error;
  return new ClassifiedExchangeError(classified.kind, classified.retryable, error.message, { cause: error });
}
