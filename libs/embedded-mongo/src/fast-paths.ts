import {
  canonicalKey,
  cloneValue,
  compareValues,
  isDocument,
  toNumber,
  type BsonDocument,
} from './bson-values.js';

/**
 * Native answers for the query shapes the service's repositories use most, so they skip the
 * conversion of every document into mingo's view (which dominated profiles). Each returns
 * undefined when a shape or value falls outside what it decides exactly; the caller then uses
 * the general mingo path, so semantics never depend on the fast path.
 */

/** A matcher that decides, or says undefined (an array-valued field: MongoDB matches elements). */
export type FastMatcher = (document: BsonDocument) => boolean | undefined;

/**
 * `{ a: v, b: { $eq: w } }` with scalar values on plain (undotted) fields, or `{ $or: [ such ] }`.
 * Equality compares canonical keys, which equate numeric types as MongoDB does (1, 1.0, Long 1).
 */
export function compileEqualityMatcher(filter: BsonDocument): FastMatcher | undefined {
  const entries = Object.entries(filter);
  const [only] = entries;
  if (entries.length === 1 && only?.[0] === '$or' && Array.isArray(only[1]) && only[1].length > 0) {
    const branches = (only[1] as unknown[]).map((branch) =>
      isDocument(branch) ? compileEqualityMatcher(branch) : undefined,
    );
    if (branches.some((branch) => branch === undefined)) return undefined;
    const matchers = branches as FastMatcher[];
    return (document) => {
      let undecided = false;
      for (const matcher of matchers) {
        const result = matcher(document);
        if (result === true) return true;
        if (result === undefined) undecided = true;
      }
      return undecided ? undefined : false;
    };
  }
  const conditions: [string, (value: unknown) => boolean][] = [];
  const ranges: [string, RangeOperator, unknown][] = [];
  for (const [field, condition] of entries) {
    if (field.startsWith('$') || field.includes('.')) return undefined;
    let value: unknown = condition;
    if (isDocument(condition)) {
      const keys = Object.keys(condition);
      if (keys.length === 1 && keys[0] === '$eq') value = condition.$eq;
      else if (keys.length > 0 && keys.every(isRangeOperator)) {
        for (const op of keys) {
          if (rangeKind(condition[op]) === undefined) return undefined;
          ranges.push([field, op, condition[op]]);
        }
        continue;
      } else return undefined;
    }
    if (!isKeyScalar(value)) return undefined;
    conditions.push([field, equalTo(value)]);
  }
  return (document) => {
    for (const [field, equals] of conditions) {
      const value = document[field];
      if (Array.isArray(value) || isDocument(value)) return undefined;
      if (!equals(value)) return false;
    }
    for (const [field, op, bound] of ranges) {
      const value = document[field];
      if (Array.isArray(value) || isDocument(value)) return undefined;
      // Type bracketing: a Date bound only matches Dates, a numeric bound only numbers.
      if (rangeKind(value) !== rangeKind(bound)) return false;
      const order = compareValues(value, bound);
      if (!(op === '$gt' ? order > 0 : op === '$gte' ? order >= 0 : op === '$lt' ? order < 0 : order <= 0))
        return false;
    }
    return true;
  };
}

/**
 * Equality with a scalar as canonical keys decide it, without building a key per document for the
 * common cases: a string equals only the same string, a JS number only an equal number (NaN
 * equals NaN, −0 equals 0, as in MongoDB) or a numeric BSON value of that number.
 */
function equalTo(target: unknown): (value: unknown) => boolean {
  if (typeof target === 'string') return (value) => value === target;
  const key = canonicalKey(target);
  if (typeof target === 'number')
    return (value) =>
      typeof value === 'number'
        ? value === target || (Number.isNaN(value) && Number.isNaN(target))
        : canonicalKey(value) === key;
  return (value) => canonicalKey(value) === key;
}

/**
 * A value whose equality is key equality: not null/missing (which also matches absent fields),
 * an array or a document (element and whole-value rules), or a regex (a pattern match).
 */
export function isKeyScalar(value: unknown): boolean {
  return !(
    value === null ||
    value === undefined ||
    Array.isArray(value) ||
    isDocument(value) ||
    value instanceof RegExp
  );
}

type RangeOperator = '$gt' | '$gte' | '$lt' | '$lte';

function isRangeOperator(key: string): key is RangeOperator {
  return key === '$gt' || key === '$gte' || key === '$lt' || key === '$lte';
}

/** Range bounds the fast path compares: Dates and (non-NaN) numbers; anything else declines. */
function rangeKind(value: unknown): 'date' | 'number' | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : 'date';
  const numeric = toNumber(value);
  return numeric === undefined || Number.isNaN(numeric) ? undefined : 'number';
}

/**
 * `$group` whose `_id` is a field reference or a document of field references, and whose every
 * accumulator is `$first` of `$$ROOT` or of a field: the first document of each group in input
 * order. Groups come out in order of first appearance.
 */
export function firstPerGroup(documents: readonly BsonDocument[], spec: unknown): BsonDocument[] | undefined {
  if (!isDocument(spec)) return undefined;
  const idSpec = spec._id;
  const idFields = fieldRefs(idSpec);
  if (idFields === undefined) return undefined;
  const outputs: [string, string | null][] = [];
  for (const [name, accumulator] of Object.entries(spec)) {
    if (name === '_id') continue;
    if (
      !isDocument(accumulator) ||
      Object.keys(accumulator).length !== 1 ||
      typeof accumulator.$first !== 'string'
    ) {
      return undefined;
    }
    const source = accumulator.$first;
    if (source === '$$ROOT') outputs.push([name, null]);
    else if (/^\$[A-Za-z_][\w]*$/.test(source)) outputs.push([name, source.slice(1)]);
    else return undefined;
  }
  const groups = new Map<string, BsonDocument>();
  for (const document of documents) {
    const id = buildId(document, idSpec, idFields);
    if (id === undefined) return undefined;
    const key = canonicalKey(id);
    if (groups.has(key)) continue;
    const group: BsonDocument = { _id: cloneValue(id) };
    for (const [name, field] of outputs)
      group[name] = cloneValue(field === null ? document : (document[field] ?? null));
    groups.set(key, group);
  }
  return [...groups.values()];
}

/** The referenced fields of `_id`: `'$a'` → ['a'], `{ x: '$a', y: '$b' }` → ['a', 'b']. */
function fieldRefs(idSpec: unknown): string[] | undefined {
  const ref = (value: unknown) =>
    typeof value === 'string' && /^\$[A-Za-z_][\w]*$/.test(value) ? value.slice(1) : undefined;
  if (typeof idSpec === 'string') {
    const field = ref(idSpec);
    return field === undefined ? undefined : [field];
  }
  // A document whose keys start with `$` is an expression (`{ $toUpper: '$s' }`), not a key shape.
  if (!isDocument(idSpec) || Object.keys(idSpec).some((key) => key.startsWith('$'))) return undefined;
  const fields = Object.values(idSpec).map(ref);
  return fields.every((f): f is string => f !== undefined) && fields.length > 0 ? fields : undefined;
}

function buildId(document: BsonDocument, idSpec: unknown, fields: readonly string[]): unknown {
  for (const field of fields)
    if (Array.isArray(document[field]) || isDocument(document[field])) return undefined;
  if (typeof idSpec === 'string') return document[fields[0] ?? ''] ?? null;
  const id: BsonDocument = {};
  Object.keys(idSpec as BsonDocument).forEach((name, i) => {
    id[name] = document[fields[i] ?? ''] ?? null;
  });
  return id;
}
