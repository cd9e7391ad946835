import { Aggregator, Query } from 'mingo';
import type { AnyObject, Options } from 'mingo/types';
import {
  canonicalKey,
  cloneValue,
  compareValues,
  describeType,
  isDocument,
  toNumber,
  toQueryView,
  type BsonDocument,
} from './bson-values.js';
import { indexKeysAtPath } from './document-paths.js';
import { CommandError } from './errors.js';
import { compileEqualityMatcher, type FastMatcher, firstPerGroup, isKeyScalar } from './fast-paths.js';

/** Scripts (`$where`, `$function`, `$accumulator`) would run code sent over the network: off. */
export const MINGO_OPTIONS: Partial<Options> = Object.freeze({ scriptEnabled: false });

export type SortSpec = readonly (readonly [path: string, direction: 1 | -1])[];

/** A filter compiled once per command, tested against the Long/Decimal-as-number view of documents. */
export class DocumentFilter {
  /** The canonical `_id` key when the filter pins `_id` to one value (a direct lookup). */
  readonly idKey: string | undefined;
  /** Top-level fields the filter pins to one scalar value (`{ f: v }` or `{ f: { $eq: v } }`). */
  readonly equalities: ReadonlyMap<string, unknown>;
  private readonly query: Query | undefined;
  private readonly fast: FastMatcher | undefined;

  constructor(readonly filter: BsonDocument) {
    this.query =
      Object.keys(filter).length === 0
        ? undefined
        : new Query(toQueryView(filter) as AnyObject, MINGO_OPTIONS);
    this.idKey = idEquality(filter);
    this.equalities = scalarEqualities(filter);
    this.fast = this.query === undefined ? undefined : compileEqualityMatcher(filter);
  }

  test(document: BsonDocument): boolean {
    if (this.query === undefined) return true;
    const decided = this.fast?.(document);
    return decided ?? this.query.test(toQueryView(document) as AnyObject);
  }
}

/**
 * Equalities an index can answer: a scalar (not an array, document or regex, whose matching
 * rules differ from key equality), given directly or with `$eq`.
 */
function scalarEqualities(filter: BsonDocument): Map<string, unknown> {
  const found = new Map<string, unknown>();
  for (const [field, condition] of Object.entries(filter)) {
    if (field.startsWith('$')) continue;
    let value: unknown = condition;
    if (isDocument(condition)) {
      const keys = Object.keys(condition);
      if (keys.length !== 1 || keys[0] !== '$eq') continue;
      value = condition.$eq;
    }
    if (isKeyScalar(value)) found.set(field, value);
  }
  return found;
}

function idEquality(filter: BsonDocument): string | undefined {
  if (!Object.hasOwn(filter, '_id')) return undefined;
  const value = filter._id;
  if (value instanceof RegExp) return undefined;
  if (isDocument(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === '$eq') return canonicalKey(value.$eq);
    if (keys.some((key) => key.startsWith('$'))) return undefined;
  }
  return canonicalKey(value);
}

export function parseSort(spec: unknown, field: string): SortSpec {
  if (spec === undefined || spec === null) return [];
  if (!isDocument(spec)) {
    throw new CommandError(
      'TypeMismatch',
      `Expected field ${field} to be of type object, got ${describeType(spec)}`,
    );
  }
  const sort: [string, 1 | -1][] = [];
  for (const [path, direction] of Object.entries(spec)) {
    if (isDocument(direction) && Object.hasOwn(direction, '$meta')) continue;
    const numeric = toNumber(direction);
    if (numeric === undefined || numeric === 0 || Number.isNaN(numeric)) {
      throw new CommandError(
        'BadValue',
        `$sort key ordering must be 1 (for ascending) or -1 (for descending); got ${String(direction)} for '${path}'`,
      );
    }
    sort.push([path, numeric > 0 ? 1 : -1]);
  }
  return sort;
}

/**
 * Sorts by MongoDB's rules: BSON type order, then value; an array field sorts by its smallest
 * element ascending and its largest descending; missing sorts as null. Stable (natural order on ties).
 */
export function sortDocuments(documents: readonly BsonDocument[], sort: SortSpec, keep = 0): BsonDocument[] {
  if (sort.length === 0) return [...documents];
  const natural = sort[0]?.[0] === '$natural' ? sort[0][1] : undefined;
  if (natural !== undefined) return natural === 1 ? [...documents] : [...documents].reverse();
  const decorated = documents.map((document) => ({
    document,
    keys: sort.map(([path, direction]) => sortKey(document, path, direction)),
  }));
  const compare = (a: (typeof decorated)[number], b: (typeof decorated)[number]): number => {
    for (let i = 0; i < sort.length; i++) {
      const order = compareValues(a.keys[i], b.keys[i]);
      if (order !== 0) return order * (sort[i]?.[1] ?? 1);
    }
    return 0;
  };
  // Only the first `keep` are wanted (a small limit): select them in one pass instead of sorting all.
  if (keep > 0 && keep * 8 < decorated.length) {
    const best: typeof decorated = [];
    for (const entry of decorated) {
      const last = best[best.length - 1];
      if (best.length === keep && last !== undefined && compare(entry, last) >= 0) continue;
      let at = best.length;
      while (at > 0 && compare(entry, best[at - 1] as (typeof decorated)[number]) < 0) at--;
      best.splice(at, 0, entry);
      if (best.length > keep) best.pop();
    }
    return best.map((entry) => entry.document);
  }
  decorated.sort(compare);
  return decorated.map((entry) => entry.document);
}

function sortKey(document: BsonDocument, path: string, direction: 1 | -1): unknown {
  const [first, ...rest] = indexKeysAtPath(document, path);
  let chosen = first;
  for (const candidate of rest) {
    if (compareValues(candidate, chosen) * direction < 0) chosen = candidate;
  }
  return chosen;
}

/** Applies a find-style projection (inclusion, exclusion, `$slice`, `$elemMatch`) through mingo. */
export class Projector {
  private readonly query = new Query({}, MINGO_OPTIONS);
  private readonly projection: AnyObject | undefined;

  constructor(projection: unknown, field: string) {
    if (projection !== undefined && projection !== null && !isDocument(projection)) {
      throw new CommandError(
        'TypeMismatch',
        `Expected field ${field} to be of type object, got ${describeType(projection)}`,
      );
    }
    this.projection =
      projection === undefined || projection === null || Object.keys(projection).length === 0
        ? undefined
        : (toQueryView(projection) as AnyObject);
  }

  apply(document: BsonDocument): BsonDocument {
    if (this.projection === undefined) return document;
    return this.query.find<BsonDocument>([document], this.projection).all()[0] ?? {};
  }
}

/** Resolves `$lookup`'s `from` to the documents of a collection of the same database. */
export type CollectionSource = (name: string) => readonly BsonDocument[];

/**
 * Runs an aggregation pipeline. Leading `$match/$sort/$skip/$limit` stages run natively (BSON order,
 * Long/Decimal aware); the rest runs in mingo over copies, with Longs seen as numbers.
 */
export function runPipeline(
  input: readonly BsonDocument[],
  pipeline: readonly BsonDocument[],
  source: CollectionSource,
): BsonDocument[] {
  let documents: BsonDocument[] = [...input];
  let index = 0;
  for (; index < pipeline.length; index++) {
    const stage = pipeline[index] as BsonDocument;
    const [name] = Object.keys(stage);
    const argument = stage[name ?? ''];
    if (name === '$match' && isDocument(argument)) {
      const filter = new DocumentFilter(argument);
      documents = documents.filter((document) => filter.test(document));
    } else if (name === '$sort') {
      documents = sortDocuments(documents, parseSort(argument, '$sort'));
    } else if (name === '$skip') {
      documents = documents.slice(nonNegativeInteger(argument, '$skip'));
    } else if (name === '$limit') {
      const limit = nonNegativeInteger(argument, '$limit');
      if (limit === 0) throw new CommandError('BadValue', 'the limit must be positive');
      documents = documents.slice(0, limit);
    } else if (name === '$group') {
      const grouped = firstPerGroup(documents, argument);
      if (grouped === undefined) break;
      documents = grouped;
    } else {
      break;
    }
  }
  const rest = pipeline.slice(index);
  if (rest.length === 0) return documents;
  const toMingo = (document: BsonDocument): AnyObject =>
    cloneValue(toQueryView(document, false)) as AnyObject;
  const aggregator = new Aggregator(rest, {
    ...MINGO_OPTIONS,
    collectionResolver: (name) => source(name).map(toMingo),
  });
  return aggregator.run<BsonDocument>(documents.map(toMingo));
}

export function nonNegativeInteger(value: unknown, field: string): number {
  const numeric = toNumber(value);
  if (numeric === undefined || !Number.isInteger(numeric) || numeric < 0) {
    throw new CommandError(
      'BadValue',
      `${field} must be a non-negative integer, got ${describeType(value)} ${String(value)}`,
    );
  }
  return numeric;
}
