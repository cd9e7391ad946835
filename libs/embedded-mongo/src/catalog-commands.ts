import { calculateObjectSize } from 'bson';
import type { CollectionStore } from './collection-store.js';
import { isDocument, SERIALIZE_OPTIONS, type BsonDocument } from './bson-values.js';
import {
  collectionArgument,
  cursorReply,
  documentArray,
  optionalBoolean,
  optionalDocument,
  optionalNonNegativeInteger,
  type CommandContext,
  type CommandHandler,
} from './command-context.js';
import { CommandError } from './errors.js';
import { ID_INDEX, indexListEntry, parseIndexSpec } from './index-catalog.js';
import { DocumentFilter } from './query-engine.js';

function batchSizeOf(command: BsonDocument): number | undefined {
  const cursor = optionalDocument(command, 'cursor');
  return cursor ? optionalNonNegativeInteger(cursor, 'batchSize') : undefined;
}

function existingCollection(context: CommandContext, name: string): CollectionStore {
  const collection = context.storage.collection(context.db, name);
  if (!collection) throw new CommandError('NamespaceNotFound', `ns does not exist: ${context.db}.${name}`);
  return collection;
}

const createIndexes: CommandHandler = (command, context) => {
  const name = collectionArgument(command);
  const specs = documentArray(command, 'indexes').map(parseIndexSpec);
  if (specs.length === 0) throw new CommandError('BadValue', 'Must specify at least one index to create');
  const { collection, created } = context.storage.ensureCollection(context.db, name);
  const numIndexesBefore = collection.indexSpecs().length;
  const added: string[] = [];
  try {
    for (const spec of specs) if (collection.createIndex(spec)) added.push(spec.name);
  } catch (error) {
    // The command is all-or-nothing, as on mongod.
    for (const indexName of added) collection.dropIndex(indexName);
    throw error;
  }
  const reply: BsonDocument = {
    numIndexesBefore,
    numIndexesAfter: collection.indexSpecs().length,
    createdCollectionAutomatically: created,
    ok: 1,
  };
  if (added.length === 0) reply.note = 'all indexes already exist';
  return reply;
};

const listIndexes: CommandHandler = (command, context) => {
  const name = collectionArgument(command);
  const entries = existingCollection(context, name).indexSpecs().map(indexListEntry);
  const batch = context.cursors.open(`${context.db}.${name}`, entries, { batchSize: batchSizeOf(command) });
  return cursorReply(batch, 'firstBatch');
};

const dropIndexes: CommandHandler = (command, context) => {
  const name = collectionArgument(command);
  const collection = context.storage.collection(context.db, name);
  if (!collection) throw new CommandError('NamespaceNotFound', `ns not found ${context.db}.${name}`);
  const nIndexesWas = collection.indexSpecs().length;
  const target = command.index;
  if (target === '*') {
    collection.dropAllIndexes();
  } else if (typeof target === 'string' || isDocument(target)) {
    collection.dropIndex(target);
  } else if (Array.isArray(target) && target.every((item) => typeof item === 'string')) {
    const known = new Set(collection.indexSpecs().map((spec) => spec.name));
    const missing = target.find((indexName) => !known.has(indexName));
    if (missing !== undefined)
      throw new CommandError('IndexNotFound', `index not found with name [${missing}]`);
    for (const indexName of target) collection.dropIndex(indexName);
  } else {
    throw new CommandError(
      'TypeMismatch',
      "The 'index' field must be a string, an array of strings or an object",
    );
  }
  return { nIndexesWas, ok: 1 };
};

const listCollections: CommandHandler = (command, context) => {
  const filter = new DocumentFilter(optionalDocument(command, 'filter') ?? {});
  const nameOnly = optionalBoolean(command, 'nameOnly') ?? false;
  const entries = context.storage
    .collections(context.db)
    .map(({ name }): BsonDocument => ({
      name,
      type: 'collection',
      options: {},
      info: { readOnly: false },
      idIndex: indexListEntry(ID_INDEX),
    }))
    .filter((entry) => filter.test(entry))
    .map((entry) => (nameOnly ? { name: entry.name, type: entry.type } : entry));
  const batch = context.cursors.open(`${context.db}.$cmd.listCollections`, entries, {
    batchSize: batchSizeOf(command),
  });
  return cursorReply(batch, 'firstBatch');
};

const create: CommandHandler = (command, context) => {
  const name = collectionArgument(command);
  if (command.viewOn !== undefined) {
    throw new CommandError('CommandNotSupported', 'views are not supported by the embedded MongoDB server');
  }
  context.storage.createCollection(context.db, name);
  return { ok: 1 };
};

const drop: CommandHandler = (command, context) => {
  const name = collectionArgument(command);
  // MongoDB 7.0 (the version this server reports) answers ok for a collection that does not exist.
  if (!context.storage.collection(context.db, name)) return { ok: 1 };
  const dropped = context.storage.dropCollection(context.db, name);
  return { nIndexesWas: dropped.indexSpecs().length, ns: dropped.ns, ok: 1 };
};

const dropDatabase: CommandHandler = (_command, context) => {
  context.storage.dropDatabase(context.db);
  return { dropped: context.db, ok: 1 };
};

const listDatabases: CommandHandler = (command, context) => {
  const filter = new DocumentFilter(optionalDocument(command, 'filter') ?? {});
  const nameOnly = optionalBoolean(command, 'nameOnly') ?? false;
  const databases = context.storage
    .databaseNames()
    .map((name): BsonDocument => {
      const sizeOnDisk = context.storage
        .collections(name)
        .reduce(
          (total, collection) =>
            total +
            collection
              .all()
              .reduce((sum, document) => sum + calculateObjectSize(document, SERIALIZE_OPTIONS), 0),
          0,
        );
      return { name, sizeOnDisk, empty: sizeOnDisk === 0 };
    })
    .filter((entry) => filter.test(entry));
  if (nameOnly) return { databases: databases.map(({ name }) => ({ name })), ok: 1 };
  const totalSize = databases.reduce((sum, entry) => sum + Number(entry.sizeOnDisk), 0);
  return { databases, totalSize, totalSizeMb: Math.floor(totalSize / (1024 * 1024)), ok: 1 };
};

export const CATALOG_COMMANDS: Readonly<Record<string, CommandHandler>> = Object.freeze({
  createIndexes,
  listIndexes,
  dropIndexes,
  deleteIndexes: dropIndexes,
  listCollections,
  create,
  drop,
  dropDatabase,
  listDatabases,
});
