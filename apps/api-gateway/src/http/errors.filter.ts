import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import { ConfluenceError, ErrorCode, type FieldIssue, InputError } from '@app/contracts';
import { StoreInputError } from '@app/persistence';
import type { HttpRequest, HttpResponse } from './http-types.js';

/** The body of every error answer. */
export interface ErrorBody {
  readonly statusCode: number;
  readonly error: string;
  readonly message: string;
  /** Every offending field (400s from validation). */
  readonly errors?: readonly FieldIssue[];
  readonly requestId?: string;
}

const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/**
 * The error body of a refusal made before any handler (the EndpointGate's 401, 415 and 429), as
 * text: the ErrorsFilter's shape for an HttpException with this status and message, without the
 * exception.
 */
export function errorBodyText(status: number, message: string, requestId: string | undefined): string {
  const id = requestId === undefined ? '' : `,"requestId":${JSON.stringify(requestId)}`;
  return `{"statusCode":${status},"error":${JSON.stringify(REASONS[status] ?? 'Error')},"message":${JSON.stringify(message)}${id}}`;
}

/**
 * Fastify's own refusals of a request body carry a 4xx `statusCode` and a `FST_` code: these are
 * the client's mistakes. A stream error while reading the body (a gzip body that does not
 * decompress) is marked 400 by Fastify.
 */
const BODY_ERRORS: Readonly<Record<string, string>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'the body is larger than the limit',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Content-Type must be application/json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'the body is shorter or longer than Content-Length',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'the body is empty; send a JSON object',
  FST_ERR_CTP_INVALID_JSON_BODY: 'the body is not valid JSON',
};

function bodyError(exception: unknown): { status: number; message: string } | null {
  if (typeof exception !== 'object' || exception === null || !('statusCode' in exception)) return null;
  const { statusCode } = exception;
  if (typeof statusCode !== 'number' || statusCode < 400 || statusCode >= 500) return null;
  const code = 'code' in exception && typeof exception.code === 'string' ? exception.code : '';
  const known = BODY_ERRORS[code];
  if (known !== undefined) return { status: statusCode, message: known };
  // secure-json-parse's SyntaxErrors (bad JSON, a `__proto__` key) and zlib's, marked 400.
  if (exception instanceof SyntaxError) return { status: 400, message: 'the body is not valid JSON' };
  return { status: statusCode, message: 'the body could not be read' };
}

/**
 * Every domain error's HTTP status, in one table. A 5xx says only "Internal server error" or what
 * was not done (the detail goes to the log); a 4xx carries the error's message.
 */
export const ERROR_STATUS: Readonly<Record<ErrorCode, number>> = {
  [ErrorCode.InputInvalid]: 400,
  [ErrorCode.StoreInputInvalid]: 400,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.RateLimited]: 429,
  [ErrorCode.LimitExceeded]: 429,
  [ErrorCode.StoreUnavailable]: 503,
  [ErrorCode.ExchangeRateLimited]: 503,
  [ErrorCode.ExchangeCircuitOpen]: 503,
  [ErrorCode.ExchangeCallFailed]: 503,
  [ErrorCode.ExchangeFault]: 503,
  [ErrorCode.ExchangeMalformed]: 502,
  [ErrorCode.ConfigInvalid]: 500,
  [ErrorCode.SnapshotInvalid]: 500,
  [ErrorCode.SnapshotUnsupported]: 500,
};

/** The field issues a domain error names, if it is the client's mistake. */
function issuesOf(error: ConfluenceError): readonly FieldIssue[] | null {
  if (error instanceof InputError) return error.issues;
  // The store's "you cannot query with that" (a bad cursor, say), under the field it names.
  if (error instanceof StoreInputError) {
    const { field, message } = error;
    return [{ field, message: message.startsWith(`${field} `) ? message.slice(field.length + 1) : message }];
  }
  return null;
}

/**
 * One error shape for every failure, with the request id. A client's mistake keeps its 4xx and
 * its message; anything unexpected is a 500 that says only "Internal server error" (the detail
 * and stack go to the log, under the same request id, never to the client).
 */
@Catch()
export class ErrorsFilter implements ExceptionFilter {
  readonly #logger = new Logger('http');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const request = host.switchToHttp().getRequest<HttpRequest>();
    const response = host.switchToHttp().getResponse<HttpResponse>();
    const requestId = request.context?.requestId;
    const body = this.#bodyOf(exception, requestId);
    if (body.statusCode >= 500) {
      const detail = exception instanceof Error ? (exception.stack ?? exception.message) : String(exception);
      this.#logger.error(
        `${request.method} ${request.originalUrl} failed (requestId=${requestId ?? '-'}): ${detail}`,
      );
    }
    if (response.sent) return;
    response.status(body.statusCode).send(body);
  }

  #bodyOf(exception: unknown, requestId: string | undefined): ErrorBody {
    const id = requestId === undefined ? {} : { requestId };
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const answer = exception.getResponse();
      if (status >= 500)
        return {
          statusCode: status,
          error: REASONS[status] ?? 'Error',
          message: 'Internal server error',
          ...id,
        };
      const record: Record<string, unknown> = typeof answer === 'object' ? { ...answer } : {};
      const raw: unknown = record.message ?? answer;
      const message = Array.isArray(raw) ? raw.join('; ') : typeof raw === 'string' ? raw : exception.message;
      const errors = Array.isArray(record.errors) ? { errors: record.errors as FieldIssue[] } : {};
      return { statusCode: status, error: REASONS[status] ?? 'Error', message, ...errors, ...id };
    }
    if (exception instanceof ConfluenceError) {
      const status = ERROR_STATUS[exception.code];
      const reason = REASONS[status] ?? 'Error';
      // Unavailable: the message says what was not done; other 5xx are ours and say nothing.
      if (status >= 500 && status !== 503)
        return { statusCode: status, error: reason, message: 'Internal server error', ...id };
      const issues = issuesOf(exception);
      if (issues === null) return { statusCode: status, error: reason, message: exception.message, ...id };
      const message =
        exception instanceof StoreInputError ? `invalid input: ${exception.field}` : exception.message;
      return { statusCode: status, error: reason, message, errors: issues, ...id };
    }
    const parsed = bodyError(exception);
    if (parsed !== null)
      return {
        statusCode: parsed.status,
        error: REASONS[parsed.status] ?? 'Error',
        message: parsed.message,
        ...id,
      };
    return {
      statusCode: HttpStatus.INTERNAL_SERVER_ERROR,
      error: REASONS[500] ?? 'Internal Server Error',
      message: 'Internal server error',
      ...id,
    };
  }
}
