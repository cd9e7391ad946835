import { type ArgumentsHost, Catch, Logger, type WsExceptionFilter } from '@nestjs/common';
import {
  ConfluenceError,
  ErrorCode,
  errorMessage,
  InputError,
  type SocketError,
  SocketErrorCode,
} from '@app/contracts';

/** Socket error codes of the domain errors a `/signals` handler can meet (the rest are internal). */
const SOCKET_CODES: Partial<Readonly<Record<ErrorCode, SocketErrorCode>>> = {
  [ErrorCode.InputInvalid]: SocketErrorCode.BadRequest,
  [ErrorCode.NotFound]: SocketErrorCode.UnknownMarket,
  [ErrorCode.LimitExceeded]: SocketErrorCode.LimitExceeded,
  [ErrorCode.RateLimited]: SocketErrorCode.RateLimited,
};

/** The acknowledgement's error for what a handler, its guard or its pipe threw. */
export function socketErrorOf(exception: unknown): SocketError | null {
  if (!(exception instanceof ConfluenceError)) return null;
  const code = SOCKET_CODES[exception.code];
  if (code === undefined) return null;
  if (exception instanceof InputError && exception.issues.length > 0)
    return { code, message: exception.message, fields: exception.issues };
  return { code, message: exception.message };
}

/**
 * Answers in the acknowledgement, as the handlers' own answers are (`{ok: false, error}`), so a
 * client has one place to look and the connection stays up; Nest's default would emit a
 * separate `exception` event. Anything unexpected is logged and answered `internal`.
 */
@Catch()
export class SignalsExceptionFilter implements WsExceptionFilter {
  readonly #logger = new Logger('signals');

  catch(exception: unknown, host: ArgumentsHost): void {
    // Socket.IO handler arguments: the socket, the payload, then the client's ack callback.
    const ack: unknown = host.getArgByIndex(2);
    let error = socketErrorOf(exception);
    if (error === null) {
      this.#logger.error(`a /signals handler failed: ${errorMessage(exception)}`);
      error = { code: SocketErrorCode.Internal, message: 'internal error' };
    }
    if (typeof ack === 'function') (ack as (answer: unknown) => void)({ ok: false, error });
  }
}
