import { describeType, isDocument, toNumber, type BsonDocument } from './bson-values.js';
import type { CursorBatch, CursorRegistry } from './cursor-registry.js';
import { CommandError } from './errors.js';
import type { EmbeddedStorage } from './storage.js';

/** What a command handler may touch: the storage, the cursors and facts about the server. */
export interface CommandContext {
  readonly db: string;
  readonly storage: EmbeddedStorage;
  readonly cursors: CursorRegistry;
  readonly connectionId: number;
  readonly server: ServerFacts;
}

export interface ServerFacts {
  readonly startedAt: Date;
  readonly host: string;
  readonly openConnections: () => number;
  readonly totalConnections: () => number;
}

export type CommandHandler = (command: BsonDocument, context: CommandContext) => BsonDocument;

/** The command's name is its first key. */
export function commandName(command: BsonDocument): string {
  return Object.keys(command)[0] ?? '';
}

/** The collection a command targets: the string value of its first key. */
export function collectionArgument(command: BsonDocument): string {
  const name = commandName(command);
  const value = command[name];
  if (typeof value !== 'string') {
    throw new CommandError('TypeMismatch', `collection name has invalid type ${describeType(value)}`);
  }
  if (value.length === 0) throw new CommandError('InvalidNamespace', `Invalid namespace specified '.'`);
  return value;
}

function wrongType(command: BsonDocument, field: string, value: unknown, expected: string): CommandError {
  return new CommandError(
    'TypeMismatch',
    `BSON field '${commandName(command)}.${field}' is the wrong type '${describeType(value)}', expected type '${expected}'`,
  );
}

export function optionalDocument(command: BsonDocument, field: string): BsonDocument | undefined {
  const value = command[field];
  if (value === undefined || value === null) return undefined;
  if (!isDocument(value)) throw wrongType(command, field, value, 'object');
  return value;
}

export function documentArray(command: BsonDocument, field: string, required = true): BsonDocument[] {
  const value = command[field];
  if (value === undefined && !required) return [];
  if (!Array.isArray(value)) {
    if (value === undefined) {
      throw new CommandError(
        'FailedToParse',
        `BSON field '${commandName(command)}.${field}' is missing but a required field`,
      );
    }
    throw wrongType(command, field, value, 'array');
  }
  return value.map((item: unknown, index) => {
    if (!isDocument(item)) throw wrongType(command, `${field}.${index}`, item, 'object');
    return item;
  });
}

/** Booleans also accept numbers, as mongod's IDL does. */
export function optionalBoolean(command: BsonDocument, field: string): boolean | undefined {
  const value = command[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  const numeric = toNumber(value);
  if (numeric === undefined) throw wrongType(command, field, value, 'bool');
  return numeric !== 0;
}

export function optionalNonNegativeInteger(command: BsonDocument, field: string): number | undefined {
  const value = command[field];
  if (value === undefined || value === null) return undefined;
  const numeric = toNumber(value);
  if (numeric === undefined) throw wrongType(command, field, value, 'long');
  if (!Number.isInteger(numeric) || numeric < 0) {
    throw new CommandError('BadValue', `BSON field '${field}' value must be >= 0, actual value '${numeric}'`);
  }
  return numeric;
}

/** `{ cursor: { firstBatch|nextBatch, id, ns }, ok: 1 }`. */
export function cursorReply(batch: CursorBatch, key: 'firstBatch' | 'nextBatch'): BsonDocument {
  return { cursor: { [key]: batch.documents, id: batch.id, ns: batch.ns }, ok: 1 };
}
