import { Long } from 'bson';
import { canonicalKey, describeType, toNumber } from './bson-values.js';
import {
  collectionArgument,
  commandName,
  cursorReply,
  documentArray,
  optionalBoolean,
  optionalDocument,
  optionalNonNegativeInteger,
  type CommandHandler,
} from './command-context.js';
import { CommandError } from './errors.js';
import { valuesAtPath } from './document-paths.js';
import { DocumentFilter, parseSort, Projector, runPipeline, sortDocuments } from './query-engine.js';

const find: CommandHandler = (command, { db, storage, cursors }) => {
  const name = collectionArgument(command);
  const filter = new DocumentFilter(optionalDocument(command, 'filter') ?? {});
  const sort = parseSort(command.sort, 'sort');
  const projector = new Projector(command.projection, 'projection');
  const skip = optionalNonNegativeInteger(command, 'skip') ?? 0;
  const limit = optionalNonNegativeInteger(command, 'limit') ?? 0;
  const batchSize = optionalNonNegativeInteger(command, 'batchSize');
  const singleBatch = optionalBoolean(command, 'singleBatch') ?? false;
  const collection = storage.collection(db, name);
  const matches = collection
    ? collection.find(filter, sort.length === 0 && limit > 0 ? skip + limit : 0)
    : [];
  const documents = sortDocuments(matches, sort, limit > 0 ? skip + limit : 0).slice(
    skip,
    limit > 0 ? skip + limit : undefined,
  );
  const batch = cursors.open(`${db}.${name}`, documents, {
    batchSize,
    singleBatch,
    transform: (document) => projector.apply(document),
  });
  return cursorReply(batch, 'firstBatch');
};

function cursorId(value: unknown, field: string): bigint {
  if (value instanceof Long) return value.toBigInt();
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  throw new CommandError('TypeMismatch', `Field '${field}' must be of type long, got ${describeType(value)}`);
}

const getMore: CommandHandler = (command, { db, cursors }) => {
  const id = cursorId(command.getMore, 'getMore');
  const collection = command.collection;
  if (typeof collection !== 'string') {
    throw new CommandError(
      'TypeMismatch',
      `Field 'collection' must be of type string, got ${describeType(collection)}`,
    );
  }
  const batchSize = optionalNonNegativeInteger(command, 'batchSize') ?? 0;
  return cursorReply(cursors.getMore(id, `${db}.${collection}`, batchSize), 'nextBatch');
};

const killCursors: CommandHandler = (command, { cursors }) => {
  collectionArgument(command);
  const ids = command.cursors;
  if (!Array.isArray(ids))
    throw new CommandError('TypeMismatch', "Field 'cursors' must be an array of cursor ids");
  const cursorsKilled: Long[] = [];
  const cursorsNotFound: Long[] = [];
  for (const value of ids) {
    const id = cursorId(value, 'cursors');
    (cursors.kill(id) ? cursorsKilled : cursorsNotFound).push(Long.fromBigInt(id));
  }
  return { cursorsKilled, cursorsNotFound, cursorsAlive: [], cursorsUnknown: [], ok: 1 };
};

const UNSUPPORTED_STAGES: readonly string[] = ['$out', '$merge'];

const aggregate: CommandHandler = (command, { db, storage, cursors }) => {
  const target = command.aggregate;
  if (typeof target !== 'string' && target !== 1) {
    throw new CommandError(
      'TypeMismatch',
      `Invalid {aggregate: ...} value: must be a collection name string or 1, got ${describeType(target)}`,
    );
  }
  const pipeline = documentArray(command, 'pipeline');
  if (pipeline[0] && Object.hasOwn(pipeline[0], '$changeStream')) {
    throw new CommandError('Location40573', 'The $changeStream stage is only supported on replica sets');
  }
  for (const stage of pipeline) {
    const [name, ...extra] = Object.keys(stage);
    if (name === undefined || extra.length > 0) {
      throw new CommandError(
        'FailedToParse',
        'A pipeline stage specification object must contain exactly one field.',
      );
    }
    if (UNSUPPORTED_STAGES.includes(name)) {
      throw new CommandError(
        'CommandNotSupported',
        `${name} is not supported by the embedded MongoDB server`,
      );
    }
  }
  if (optionalBoolean(command, 'explain')) {
    throw new CommandError('CommandNotSupported', 'explain is not supported by the embedded MongoDB server');
  }
  const cursorOptions = optionalDocument(command, 'cursor');
  if (!cursorOptions) {
    throw new CommandError(
      'FailedToParse',
      "The 'cursor' option is required, except for aggregate with the explain argument",
    );
  }
  const batchSize = optionalNonNegativeInteger(cursorOptions, 'batchSize');
  const input = typeof target === 'string' ? (storage.collection(db, target)?.all() ?? []) : [];
  const results = runPipeline(input, pipeline, (from) => storage.collection(db, from)?.all() ?? []);
  const ns = typeof target === 'string' ? `${db}.${target}` : `${db}.$cmd.aggregate`;
  return cursorReply(cursors.open(ns, results, { batchSize }), 'firstBatch');
};

const count: CommandHandler = (command, { db, storage }) => {
  const name = collectionArgument(command);
  const filter = new DocumentFilter(optionalDocument(command, 'query') ?? {});
  const skip = optionalNonNegativeInteger(command, 'skip') ?? 0;
  const limit = Math.abs(toNumber(command.limit ?? 0) ?? 0);
  const matched = storage.collection(db, name)?.find(filter).length ?? 0;
  const n = Math.max(0, matched - skip);
  return { n: limit > 0 ? Math.min(n, limit) : n, ok: 1 };
};

const distinct: CommandHandler = (command, { db, storage }) => {
  const name = collectionArgument(command);
  const key = command.key;
  if (typeof key !== 'string') {
    throw new CommandError(
      'TypeMismatch',
      `BSON field '${commandName(command)}.key' is the wrong type '${describeType(key)}', expected type 'string'`,
    );
  }
  const filter = new DocumentFilter(optionalDocument(command, 'query') ?? {});
  const seen = new Map<string, unknown>();
  for (const document of storage.collection(db, name)?.find(filter) ?? []) {
    for (const value of valuesAtPath(document, key)) {
      for (const item of Array.isArray(value) ? (value as unknown[]) : [value]) {
        const canonical = canonicalKey(item);
        if (!seen.has(canonical)) seen.set(canonical, item);
      }
    }
  }
  return { values: [...seen.values()], ok: 1 };
};

export const READ_COMMANDS: Readonly<Record<string, CommandHandler>> = Object.freeze({
  find,
  getMore,
  killCursors,
  aggregate,
  count,
  distinct,
});
