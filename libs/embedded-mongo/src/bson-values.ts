import {
  Binary,
  BSONRegExp,
  BSONSymbol,
  Decimal128,
  Double,
  Int32,
  Long,
  MaxKey,
  MinKey,
  ObjectId,
  Timestamp,
  serialize,
  type DeserializeOptions,
  type SerializeOptions,
} from 'bson';

/** A document as parsed by `bson`: plain objects, arrays and BSON value classes. */
export type BsonDocument = Record<string, unknown>;

/** Longs stay Longs (so they round-trip); Int32/Double become numbers, as the driver does. */
export const DESERIALIZE_OPTIONS: DeserializeOptions = Object.freeze({
  promoteLongs: false,
  promoteValues: true,
  promoteBuffers: false,
  bsonRegExp: false,
});

export const SERIALIZE_OPTIONS: SerializeOptions = Object.freeze({
  checkKeys: false,
  ignoreUndefined: true,
  serializeFunctions: false,
});

export function isDocument(value: unknown): value is BsonDocument {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Rank of a value in MongoDB's comparison order for BSON types:
 * MinKey < null/missing < numbers < strings < objects < arrays < BinData < ObjectId < boolean < Date
 * < Timestamp < RegExp < MaxKey (https://www.mongodb.com/docs/manual/reference/bson-type-comparison-order/).
 */
export function typeRank(value: unknown): number {
  if (value === undefined || value === null) return 1;
  if (typeof value === 'number' || typeof value === 'bigint') return 2;
  if (typeof value === 'string' || value instanceof BSONSymbol) return 3;
  if (typeof value === 'boolean') return 8;
  if (Array.isArray(value)) return 5;
  if (isDocument(value)) return 4;
  if (value instanceof Date) return 9;
  if (value instanceof ObjectId) return 7;
  if (value instanceof Timestamp) return 10;
  if (isNumeric(value)) return 2;
  if (value instanceof Binary) return 6;
  if (value instanceof RegExp || value instanceof BSONRegExp) return 11;
  if (value instanceof MinKey) return 0;
  if (value instanceof MaxKey) return 12;
  return 13;
}

function isNumeric(value: unknown): value is number | bigint | Long | Decimal128 | Int32 | Double {
  return (
    typeof value === 'number' ||
    typeof value === 'bigint' ||
    (value instanceof Long && !(value instanceof Timestamp)) ||
    value instanceof Decimal128 ||
    value instanceof Int32 ||
    value instanceof Double
  );
}

/** The numeric value of any BSON number (Decimal128 and Longs beyond 2^53 are approximated). */
export function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Timestamp) return undefined;
  if (value instanceof Long) return value.toNumber();
  if (value instanceof Decimal128) return Number(value.toString());
  if (value instanceof Int32 || value instanceof Double) return value.valueOf();
  return undefined;
}

const compareScalars = (a: number | string | boolean, b: number | string | boolean): number =>
  a < b ? -1 : a > b ? 1 : 0;

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

/** Total order over BSON values following MongoDB's type order, then value. */
export function compareValues(a: unknown, b: unknown): number {
  const rankA = typeRank(a);
  const rankB = typeRank(b);
  if (rankA !== rankB) return rankA - rankB;
  switch (rankA) {
    case 2:
      if (a instanceof Long && b instanceof Long) return a.compare(b);
      return compareScalars(toNumber(a) ?? Number.NaN, toNumber(b) ?? Number.NaN);
    case 3:
      return compareScalars(String(a), String(b));
    case 4:
      return compareDocuments(a as BsonDocument, b as BsonDocument);
    case 5:
      return compareArrays(a as unknown[], b as unknown[]);
    case 6: {
      const x = a as Binary;
      const y = b as Binary;
      return x.length() - y.length() || x.sub_type - y.sub_type || compareBytes(x.buffer, y.buffer);
    }
    case 7:
      return compareBytes((a as ObjectId).id, (b as ObjectId).id);
    case 8:
      return compareScalars(a as boolean, b as boolean);
    case 9:
      return compareScalars((a as Date).getTime(), (b as Date).getTime());
    case 10: {
      const x = a as Timestamp;
      const y = b as Timestamp;
      return x.t - y.t || x.i - y.i;
    }
    case 11:
      return compareScalars(regexText(a), regexText(b));
    default:
      return 0;
  }
}

function regexText(value: unknown): string {
  if (value instanceof RegExp) return `${value.source}/${value.flags}`;
  if (value instanceof BSONRegExp) return `${value.pattern}/${value.options}`;
  return '';
}

function compareArrays(a: readonly unknown[], b: readonly unknown[]): number {
  const size = Math.min(a.length, b.length);
  for (let i = 0; i < size; i++) {
    const order = compareValues(a[i], b[i]);
    if (order !== 0) return order;
  }
  return a.length - b.length;
}

function compareDocuments(a: BsonDocument, b: BsonDocument): number {
  const entriesA = Object.entries(a);
  const entriesB = Object.entries(b);
  const size = Math.min(entriesA.length, entriesB.length);
  for (let i = 0; i < size; i++) {
    const [keyA, valueA] = entriesA[i] as [string, unknown];
    const [keyB, valueB] = entriesB[i] as [string, unknown];
    const order = typeRank(valueA) - typeRank(valueB) || compareScalars(keyA, keyB);
    if (order !== 0) return order;
    const valueOrder = compareValues(valueA, valueB);
    if (valueOrder !== 0) return valueOrder;
  }
  return entriesA.length - entriesB.length;
}

/**
 * A string equal for two values exactly when MongoDB's index treats them as the same key:
 * numbers compare by value across types (1 = 1.0 = Long 1), documents by field order.
 */
export function canonicalKey(value: unknown): string {
  if (value === undefined || value === null) return 'N';
  if (typeof value === 'string') return `s${JSON.stringify(value)}`;
  if (typeof value === 'boolean') return value ? 'b1' : 'b0';
  if (value instanceof Date) return `d${value.getTime()}`;
  if (value instanceof ObjectId) return `o${value.toHexString()}`;
  if (Array.isArray(value)) return `[${value.map(canonicalKey).join(',')}]`;
  if (isDocument(value)) {
    const fields = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${canonicalKey(v)}`);
    return `{${fields.join(',')}}`;
  }
  if (value instanceof Long && !(value instanceof Timestamp)) {
    return Number.isSafeInteger(value.toNumber()) ? `n${value.toNumber()}` : `n${value.toString()}`;
  }
  const numeric = toNumber(value);
  if (numeric !== undefined) return `n${Object.is(numeric, -0) ? 0 : numeric}`;
  if (value instanceof Binary) return `x${value.sub_type}:${value.toString('base64')}`;
  if (value instanceof Timestamp) return `t${value.t}:${value.i}`;
  const regex = regexText(value);
  if (regex) return `r${regex}`;
  // MinKey, MaxKey, Code, DBRef, symbols: their exact BSON encoding.
  return `u${typeRank(value)}:${Buffer.from(serialize({ value }, SERIALIZE_OPTIONS)).toString('base64')}`;
}

/** Deep copy of a stored value; immutable BSON classes are shared, mutable ones copied. */
export function cloneValue<T>(value: T): T {
  return cloneUnknown(value) as T;
}

function cloneUnknown(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(cloneUnknown);
  if (isDocument(value)) {
    const copy: BsonDocument = {};
    for (const [key, child] of Object.entries(value)) copy[key] = cloneUnknown(child);
    return copy;
  }
  if (value instanceof Date) return new Date(value.getTime());
  if (value instanceof Binary) return new Binary(Uint8Array.from(value.buffer), value.sub_type);
  if (value instanceof RegExp) return new RegExp(value.source, value.flags);
  return value;
}

/**
 * The document as mingo should see it: Longs and Decimal128 become JS numbers so that they
 * compare with the numbers in filters. Returns the same object when nothing needed converting.
 */
export function toQueryView(value: unknown, convertDecimals = true): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Long && !(value instanceof Timestamp)) return value.toNumber();
  if (value instanceof Decimal128) return convertDecimals ? Number(value.toString()) : value;
  if (Array.isArray(value)) {
    const mapped = value.map((item: unknown) => toQueryView(item, convertDecimals));
    return mapped.some((view, i) => view !== value[i]) ? mapped : value;
  }
  if (!isDocument(value)) return value;
  let copy: BsonDocument | undefined;
  for (const [key, child] of Object.entries(value)) {
    const view = toQueryView(child, convertDecimals);
    if (view !== child) copy ??= { ...value };
    if (copy) copy[key] = view;
  }
  return copy ?? value;
}

/** A value as the shell prints it, for E11000 messages: `{ email: "a@b.c" }`, `ObjectId('…')`. */
export function formatValue(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  if (value instanceof Date) return `new Date(${value.getTime()})`;
  if (value instanceof ObjectId) return `ObjectId('${value.toHexString()}')`;
  if (Array.isArray(value)) return `[ ${value.map(formatValue).join(', ')} ]`;
  if (isDocument(value)) return formatDocument(value);
  const numeric = toNumber(value);
  if (numeric !== undefined) return String(numeric);
  return regexText(value) || Object.prototype.toString.call(value);
}

export function formatDocument(document: BsonDocument): string {
  const fields = Object.entries(document).map(([key, value]) => `${key}: ${formatValue(value)}`);
  return fields.length === 0 ? '{}' : `{ ${fields.join(', ')} }`;
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'double';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'string') return 'string';
  if (isDocument(value)) return 'object';
  if (value instanceof Date) return 'date';
  if (value instanceof ObjectId) return 'objectId';
  if (value instanceof Long) return 'long';
  return typeof value === 'object' ? 'object' : typeof value;
}
