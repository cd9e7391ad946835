import { Long, ObjectId, Timestamp } from 'bson';
import { update as mingoUpdate, updateOne as mingoPipelineUpdate } from 'mingo';
import type { Modifier, PipelineStage } from 'mingo/updater';
import {
  cloneValue,
  compareValues,
  describeType,
  formatValue,
  isDocument,
  toNumber,
  type BsonDocument,
} from './bson-values.js';
import { getPath, setPath } from './document-paths.js';
import { CommandError } from './errors.js';
import { MINGO_OPTIONS } from './query-engine.js';

/** The update operators accepted; `$setOnInsert` is ours, the rest run through mingo's updater. */
const UPDATE_OPERATORS: readonly string[] = [
  '$set',
  '$unset',
  '$inc',
  '$mul',
  '$min',
  '$max',
  '$rename',
  '$push',
  '$addToSet',
  '$pull',
  '$pullAll',
  '$pop',
  '$currentDate',
  '$bit',
  '$setOnInsert',
];

export type UpdateSpec =
  | { readonly kind: 'replacement'; readonly document: BsonDocument }
  | { readonly kind: 'operators'; readonly modifier: BsonDocument }
  | { readonly kind: 'pipeline'; readonly stages: BsonDocument[] };

export interface UpdateContext {
  /** The filter that selected the document (the positional `$` operator needs it). */
  readonly filter: BsonDocument;
  readonly arrayFilters?: BsonDocument[];
  /** True while building an upserted document: `$setOnInsert` applies. */
  readonly inserting: boolean;
}

export function parseUpdate(update: unknown): UpdateSpec {
  if (Array.isArray(update)) {
    const stages = update.map((stage: unknown) => {
      if (!isDocument(stage))
        throw new CommandError('FailedToParse', 'Each update pipeline stage must be an object');
      return stage;
    });
    return { kind: 'pipeline', stages };
  }
  if (!isDocument(update)) {
    throw new CommandError(
      'FailedToParse',
      `Update argument must be either an object or an array, got ${describeType(update)}`,
    );
  }
  const keys = Object.keys(update);
  if (keys.length === 0 || !(keys[0] as string).startsWith('$'))
    return { kind: 'replacement', document: update };
  for (const key of keys) {
    if (!UPDATE_OPERATORS.includes(key)) {
      throw new CommandError(
        'FailedToParse',
        `Unknown modifier: ${key}. Expected a valid update modifier or pipeline-style update specified as an array`,
      );
    }
    if (!isDocument(update[key])) {
      throw new CommandError(
        'FailedToParse',
        `Modifiers operate on fields but we found type ${describeType(update[key])} instead. For example: {$mod: {<field>: ...}} not {${key}: ${formatValue(update[key])}}`,
      );
    }
  }
  return { kind: 'operators', modifier: update };
}

/** Applies an update to a copy of `document`; the stored original is never touched. */
export function applyUpdate(document: BsonDocument, spec: UpdateSpec, context: UpdateContext): BsonDocument {
  switch (spec.kind) {
    case 'replacement':
      return replaceDocument(document, spec.document);
    case 'operators':
      return applyOperators(document, spec.modifier, context);
    case 'pipeline': {
      const documents = [cloneValue(document)];
      mingoPipelineUpdate(documents, {}, spec.stages as unknown as PipelineStage[], {}, MINGO_OPTIONS);
      const updated = documents[0] ?? {};
      assertIdUnchanged(document, updated);
      return updated;
    }
  }
}

function replaceDocument(document: BsonDocument, replacement: BsonDocument): BsonDocument {
  const { _id: newId, ...fields } = cloneValue(replacement);
  if (document._id === undefined) return newId === undefined ? fields : { _id: newId, ...fields };
  if (newId !== undefined && compareValues(newId, document._id) !== 0) {
    throw immutableIdError(document._id, newId);
  }
  return { _id: document._id, ...fields };
}

function applyOperators(
  document: BsonDocument,
  modifier: BsonDocument,
  context: UpdateContext,
): BsonDocument {
  const target = cloneValue(document);
  const { $setOnInsert, ...operators } = modifier;
  if (context.inserting && isDocument($setOnInsert)) {
    operators.$set = { ...(isDocument(operators.$set) ? operators.$set : {}), ...$setOnInsert };
  }
  // mingo refuses any path on `_id`; MongoDB accepts setting it to its current value (or on insert).
  if (isDocument(operators.$set) && Object.hasOwn(operators.$set, '_id')) {
    const { _id: id, ...rest } = operators.$set;
    if (target._id === undefined) target._id = cloneValue(id);
    else if (compareValues(id, target._id) !== 0) throw immutableIdError(target._id, id);
    operators.$set = rest;
  }
  if (isDocument(operators.$inc)) operators.$inc = incrementLongs(target, operators.$inc);
  if (isDocument(operators.$mul)) operators.$mul = numericArguments(operators.$mul);
  for (const [op, args] of Object.entries(operators)) {
    if (isDocument(args) && Object.keys(args).length === 0) Reflect.deleteProperty(operators, op);
  }
  if (Object.keys(operators).length === 0) return target;
  const positional = Object.values(operators).some(
    (args) => isDocument(args) && Object.keys(args).some((path) => path.split('.').includes('$')),
  );
  mingoUpdate(
    target,
    operators as Modifier<BsonDocument>,
    context.arrayFilters,
    positional ? context.filter : undefined,
    { queryOptions: MINGO_OPTIONS },
  );
  assertIdUnchanged(document, target);
  return target;
}

/** `$inc` on a stored Long keeps it a Long (mingo only increments JS numbers). */
function incrementLongs(target: BsonDocument, increments: BsonDocument): BsonDocument {
  const rest: BsonDocument = {};
  for (const [path, amount] of Object.entries(increments)) {
    const numeric = toNumber(amount);
    if (numeric === undefined) {
      throw new CommandError(
        'TypeMismatch',
        `Cannot increment with non-numeric argument: {${path}: ${formatValue(amount)}}`,
      );
    }
    const current = path.includes('$') ? undefined : getPath(target, path);
    if (current instanceof Long && !(current instanceof Timestamp)) {
      const next = Number.isInteger(numeric)
        ? current.add(Long.fromNumber(numeric))
        : current.toNumber() + numeric;
      setPath(target, path, next);
    } else {
      rest[path] = numeric;
    }
  }
  return rest;
}

function numericArguments(args: BsonDocument): BsonDocument {
  const converted: BsonDocument = {};
  for (const [path, value] of Object.entries(args)) {
    const numeric = toNumber(value);
    if (numeric === undefined) {
      throw new CommandError(
        'TypeMismatch',
        `Cannot multiply with non-numeric argument: {${path}: ${formatValue(value)}}`,
      );
    }
    converted[path] = numeric;
  }
  return converted;
}

function assertIdUnchanged(before: BsonDocument, after: BsonDocument): void {
  if (before._id !== undefined && compareValues(before._id, after._id) !== 0) {
    throw immutableIdError(before._id, after._id);
  }
}

function immutableIdError(before: unknown, after: unknown): CommandError {
  return new CommandError(
    'ImmutableField',
    `After applying the update, the (immutable) field '_id' was found to have been altered to _id: ${formatValue(after)} (was ${formatValue(before)})`,
  );
}

/**
 * The document an upsert starts from: the equality conditions of the filter (`{ a: 1, 'b.c': 2 }`,
 * `{ a: { $eq: 1 } }`, inside `$and`), as MongoDB seeds it.
 */
export function upsertSeed(filter: BsonDocument): BsonDocument {
  const seed: BsonDocument = {};
  collectEqualities(filter, seed);
  return seed;
}

function collectEqualities(filter: BsonDocument, seed: BsonDocument): void {
  for (const [key, value] of Object.entries(filter)) {
    if (key === '$and' && Array.isArray(value)) {
      for (const clause of value) if (isDocument(clause)) collectEqualities(clause, seed);
    } else if (!key.startsWith('$') && !(value instanceof RegExp)) {
      if (!isDocument(value)) setPath(seed, key, cloneValue(value));
      else if (Object.hasOwn(value, '$eq')) setPath(seed, key, cloneValue(value.$eq));
      else if (!Object.keys(value).some((field) => field.startsWith('$')))
        setPath(seed, key, cloneValue(value));
    }
  }
}

/** Builds the document an upsert inserts: seed + update, `_id` first (generated when absent). */
export function buildUpsertDocument(
  filter: BsonDocument,
  spec: UpdateSpec,
  context: UpdateContext,
): BsonDocument {
  const seed = upsertSeed(filter);
  const built =
    spec.kind === 'replacement'
      ? replaceDocument(seed._id === undefined ? {} : { _id: seed._id }, spec.document)
      : applyUpdate(seed, spec, { ...context, inserting: true });
  const { _id: id, ...fields } = built;
  return { _id: id ?? new ObjectId(), ...fields };
}
