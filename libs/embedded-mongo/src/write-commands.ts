import { serialize, ObjectId } from 'bson';
import { cloneValue, SERIALIZE_OPTIONS, toNumber, type BsonDocument } from './bson-values.js';
import type { CollectionStore } from './collection-store.js';
import {
  collectionArgument,
  documentArray,
  optionalBoolean,
  optionalDocument,
  type CommandContext,
  type CommandHandler,
} from './command-context.js';
import { CommandError } from './errors.js';
import { DocumentFilter, parseSort, Projector, sortDocuments } from './query-engine.js';
import {
  applyUpdate,
  buildUpsertDocument,
  parseUpdate,
  type UpdateContext,
  type UpdateSpec,
} from './update-engine.js';

/**
 * Runs each statement of a write command; per-statement failures become `writeErrors` and stop
 * the batch when `ordered` (the default). Anything else is a command error.
 */
function eachStatement(
  command: BsonDocument,
  statements: readonly BsonDocument[],
  run: (statement: BsonDocument, index: number) => void,
): BsonDocument[] {
  const ordered = optionalBoolean(command, 'ordered') ?? true;
  const writeErrors: BsonDocument[] = [];
  for (const [index, statement] of statements.entries()) {
    try {
      run(statement, index);
    } catch (error) {
      if (!(error instanceof CommandError)) throw error;
      writeErrors.push(error.toWriteError(index));
      if (ordered) break;
    }
  }
  return writeErrors;
}

function withWriteErrors(reply: BsonDocument, writeErrors: BsonDocument[]): BsonDocument {
  return writeErrors.length > 0 ? { ...reply, writeErrors, ok: 1 } : { ...reply, ok: 1 };
}

/** `_id` first, generated when missing (as mongod does). */
function prepareInsert(document: BsonDocument): BsonDocument {
  const { _id: id, ...fields } = cloneValue(document);
  return { _id: id ?? new ObjectId(), ...fields };
}

const insert: CommandHandler = (command, context) => {
  const name = collectionArgument(command);
  const documents = documentArray(command, 'documents');
  const { collection } = context.storage.ensureCollection(context.db, name);
  let n = 0;
  const writeErrors = eachStatement(command, documents, (document) => {
    collection.insert(prepareInsert(document));
    n++;
  });
  return withWriteErrors({ n }, writeErrors);
};

function sameBytes(a: BsonDocument, b: BsonDocument): boolean {
  return Buffer.from(serialize(a, SERIALIZE_OPTIONS)).equals(serialize(b, SERIALIZE_OPTIONS));
}

/** Updates one stored document; returns the new version and whether anything changed. */
function updateDocument(
  collection: CollectionStore,
  document: BsonDocument,
  spec: UpdateSpec,
  context: UpdateContext,
): { updated: BsonDocument; modified: boolean } {
  const updated = applyUpdate(document, spec, context);
  if (sameBytes(document, updated)) return { updated: document, modified: false };
  collection.replace(document, updated);
  return { updated, modified: true };
}

function upsert(
  context: CommandContext,
  name: string,
  filter: BsonDocument,
  spec: UpdateSpec,
  updateContext: UpdateContext,
): BsonDocument {
  const document = buildUpsertDocument(filter, spec, updateContext);
  context.storage.ensureCollection(context.db, name).collection.insert(document);
  return document;
}

const update: CommandHandler = (command, context) => {
  const name = collectionArgument(command);
  const statements = documentArray(command, 'updates');
  let n = 0;
  let nModified = 0;
  const upserted: BsonDocument[] = [];
  const writeErrors = eachStatement(command, statements, (statement, index) => {
    const filter = optionalDocument(statement, 'q') ?? {};
    const spec = parseUpdate(statement.u);
    const multi = optionalBoolean(statement, 'multi') ?? false;
    if (multi && spec.kind === 'replacement') {
      throw new CommandError('FailedToParse', 'multi update is not supported for replacement-style update');
    }
    const arrayFilters = documentArray(statement, 'arrayFilters', false);
    const updateContext: UpdateContext = { filter, arrayFilters, inserting: false };
    const collection = context.storage.collection(context.db, name);
    const matches = collection ? collection.find(new DocumentFilter(filter), multi ? 0 : 1) : [];
    if (matches.length === 0 && optionalBoolean(statement, 'upsert')) {
      const document = upsert(context, name, filter, spec, updateContext);
      n++;
      upserted.push({ index, _id: document._id });
      return;
    }
    for (const document of matches) {
      if (collection && updateDocument(collection, document, spec, updateContext).modified) nModified++;
      n++;
    }
  });
  const reply: BsonDocument = { n, nModified };
  if (upserted.length > 0) reply.upserted = upserted;
  return withWriteErrors(reply, writeErrors);
};

const remove: CommandHandler = (command, context) => {
  const name = collectionArgument(command);
  const statements = documentArray(command, 'deletes');
  let n = 0;
  const writeErrors = eachStatement(command, statements, (statement) => {
    const filter = optionalDocument(statement, 'q') ?? {};
    const limit = toNumber(statement.limit ?? 0);
    if (limit !== 0 && limit !== 1) {
      throw new CommandError(
        'FailedToParse',
        `The limit field in delete objects must be 0 or 1. Got ${String(limit)}`,
      );
    }
    const collection = context.storage.collection(context.db, name);
    if (!collection) return;
    for (const document of collection.find(new DocumentFilter(filter), limit)) {
      collection.remove(document);
      n++;
    }
  });
  return withWriteErrors({ n }, writeErrors);
};

const findAndModify: CommandHandler = (command, context) => {
  const name = collectionArgument(command);
  const filter = optionalDocument(command, 'query') ?? {};
  const sort = parseSort(command.sort, 'sort');
  const removeDocument = optionalBoolean(command, 'remove') ?? false;
  const returnNew = optionalBoolean(command, 'new') ?? false;
  const upsertRequested = optionalBoolean(command, 'upsert') ?? false;
  const projector = new Projector(command.fields, 'fields');
  const hasUpdate = command.update !== undefined && command.update !== null;
  if (removeDocument && hasUpdate)
    throw new CommandError('FailedToParse', 'Cannot specify both an update and remove=true');
  if (!removeDocument && !hasUpdate)
    throw new CommandError('FailedToParse', 'Either an update or remove=true must be specified');
  if (removeDocument && upsertRequested)
    throw new CommandError('FailedToParse', 'Cannot specify both upsert=true and remove=true');
  if (removeDocument && returnNew) {
    throw new CommandError(
      'FailedToParse',
      "Cannot specify both new=true and remove=true; 'remove' always returns the deleted document",
    );
  }
  const collection = context.storage.collection(context.db, name);
  const matches = collection ? collection.find(new DocumentFilter(filter), sort.length > 0 ? 0 : 1) : [];
  const target = sortDocuments(matches, sort)[0];
  const project = (document: BsonDocument | undefined): BsonDocument | null =>
    document === undefined ? null : projector.apply(document);

  if (removeDocument) {
    if (collection && target) collection.remove(target);
    return { lastErrorObject: { n: target ? 1 : 0 }, value: project(target), ok: 1 };
  }
  const spec = parseUpdate(command.update);
  const updateContext: UpdateContext = {
    filter,
    arrayFilters: documentArray(command, 'arrayFilters', false),
    inserting: false,
  };
  if (collection && target) {
    const { updated } = updateDocument(collection, target, spec, updateContext);
    return {
      lastErrorObject: { n: 1, updatedExisting: true },
      value: project(returnNew ? updated : target),
      ok: 1,
    };
  }
  if (upsertRequested) {
    const document = upsert(context, name, filter, spec, updateContext);
    return {
      lastErrorObject: { n: 1, updatedExisting: false, upserted: document._id },
      value: returnNew ? project(document) : null,
      ok: 1,
    };
  }
  return { lastErrorObject: { n: 0, updatedExisting: false }, value: null, ok: 1 };
};

export const WRITE_COMMANDS: Readonly<Record<string, CommandHandler>> = Object.freeze({
  insert,
  update,
  delete: remove,
  findAndModify,
  findandmodify: findAndModify,
});
