import type { BsonDocument } from './bson-values.js';

/** MongoDB server error codes we answer with (names as in mongo/base/error_codes.yml). */
export const ErrorCode = {
  InternalError: 1,
  BadValue: 2,
  FailedToParse: 9,
  Unauthorized: 13,
  TypeMismatch: 14,
  IllegalOperation: 20,
  NamespaceNotFound: 26,
  IndexNotFound: 27,
  CursorNotFound: 43,
  NamespaceExists: 48,
  InvalidIdField: 53,
  CommandNotFound: 59,
  ImmutableField: 66,
  CannotCreateIndex: 67,
  InvalidOptions: 72,
  InvalidNamespace: 73,
  IndexOptionsConflict: 85,
  IndexKeySpecsConflict: 86,
  CommandNotSupported: 115,
  InvalidIndexSpecificationOption: 197,
  BSONObjectTooLarge: 10334,
  DuplicateKey: 11000,
  Location40573: 40573,
  Location40414: 40414,
} as const;

export type ErrorCodeName = keyof typeof ErrorCode;

/** A command failure answered as `{ ok: 0, errmsg, code, codeName }` (plus any extra fields). */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  readonly code: number;

  constructor(
    readonly codeName: ErrorCodeName,
    message: string,
    readonly extra: BsonDocument = {},
  ) {
    super(message);
    this.code = ErrorCode[codeName];
  }

  toReply(): BsonDocument {
    return { ok: 0, errmsg: this.message, code: this.code, codeName: this.codeName, ...this.extra };
  }

  /** The shape of one entry of a write command's `writeErrors`. */
  toWriteError(index: number): BsonDocument {
    return { index, code: this.code, errmsg: this.message, ...this.extra };
  }
}

/** E11000: a unique index (the implicit `_id_` included) already holds this key. */
export class DuplicateKeyError extends CommandError {
  constructor(message: string, keyPattern: BsonDocument, keyValue: BsonDocument) {
    super('DuplicateKey', message, { keyPattern, keyValue });
  }
}

/** Malformed wire input: the connection that sent it is closed; the server keeps serving others. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}
