import { ConfluenceError, ErrorCode } from '@app/contracts';

/**
 * `T` when it is plain data JSON can carry (numbers, strings, booleans, null, and arrays and
 * objects of them), with `never` wherever it is not: a state type must be assignable to
 * PlainData<itself>, so a Map, a typed array or a function in it fails to compile. `unknown` is
 * an opaque state, checked where it was made.
 */
export type PlainData<T> = unknown extends T
  ? T
  : T extends number | string | boolean | null
    ? T
    : T extends
          | ((...args: never[]) => unknown)
          | ArrayBufferView
          | ReadonlyMap<unknown, unknown>
          | ReadonlySet<unknown>
      ? never
      : T extends object
        ? { readonly [K in keyof T]: PlainData<T[K]> }
        : never;

/** Saves its whole state as plain data; `load` replaces the state, or throws SnapshotError naming `path`. */
export interface Snapshotable<State> {
  save(): PlainData<State>;
  load(state: unknown, path: string): void;
}

/** The numbers JSON cannot print, written as these strings (JSON prints every other double exactly). */
export type PortableNumber = number | 'NaN' | 'Infinity' | '-Infinity' | '-0';

/** `T` as stored: every number (not a numeric literal) may be one of the strings of PortableNumber. */
export type Portable<T> = T extends number
  ? number extends T
    ? PortableNumber
    : T
  : T extends object
    ? { readonly [K in keyof T]: Portable<T[K]> }
    : T;

/** A copy of `value` that survives JSON.stringify → JSON.parse exactly (NaN, ±Infinity and −0 included). */
export function toPortable<T>(value: T): Portable<T> {
  return portable(value) as Portable<T>;
}

function portable(value: unknown): unknown {
  if (typeof value === 'number') {
    // `x - x === 0` holds exactly for finite x; 1 / -0 is −Infinity.
    if (value === 0) return 1 / value < 0 ? '-0' : 0;
    return value - value === 0 ? value : String(value);
  }
  if (value === null || typeof value !== 'object') return value;
  // Plain loops: a snapshot holds thousands of small arrays and objects, and map/entries/filter/
  // fromEntries allocated several temporaries for each.
  if (Array.isArray(value)) {
    const items = value as readonly unknown[];
    const copy: unknown[] = new Array<unknown>(items.length);
    for (let i = 0; i < items.length; i++) copy[i] = portable(items[i]);
    return copy;
  }
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const field = (value as Record<string, unknown>)[key];
    if (field !== undefined) copy[key] = portable(field);
  }
  return copy;
}

/** A snapshot (or part of one) that cannot be restored; `path` locates the offending field. */
export class SnapshotError extends ConfluenceError {
  readonly code = ErrorCode.SnapshotInvalid;

  constructor(
    readonly path: string,
    readonly detail: string,
  ) {
    super(`${path}: ${detail}`);
  }
}

/** Asked to snapshot state that has none to save (a stream loaded frozen for a one-off analysis). */
export class SnapshotUnsupportedError extends ConfluenceError {
  readonly code = ErrorCode.SnapshotUnsupported;
}

/** Reads an unknown value as T or throws SnapshotError. */
export type Decoder<T> = (value: unknown, path: string) => T;
export type Decoded<D> = D extends Decoder<infer T> ? T : never;

const describe = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
/** The value as JSON (undefined has none). */
const show = (value: unknown): string => (value === undefined ? 'nothing' : JSON.stringify(value));

const SPECIAL: Readonly<Record<string, number>> = {
  NaN: Number.NaN,
  Infinity: Infinity,
  '-Infinity': -Infinity,
  '-0': -0,
};

/** Any double, in its portable form. */
export const num: Decoder<number> = (value, path) => {
  if (typeof value === 'number') return value;
  const special = typeof value === 'string' ? SPECIAL[value] : undefined;
  if (special === undefined) throw new SnapshotError(path, `expected a number, got ${describe(value)}`);
  return special;
};

/** A whole number ≥ 0 (counts, indexes, times). */
export const count: Decoder<number> = (value, path) => {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw new SnapshotError(path, `expected a whole number ≥ 0, got ${show(value)}`);
  return value;
};

export const str: Decoder<string> = (value, path) => {
  if (typeof value !== 'string') throw new SnapshotError(path, `expected a string, got ${describe(value)}`);
  return value;
};

export const bool: Decoder<boolean> = (value, path) => {
  if (typeof value !== 'boolean')
    throw new SnapshotError(path, `expected true or false, got ${describe(value)}`);
  return value;
};

/** Lowercase hex of `length` characters (a digest). */
export function hex(length: number): Decoder<string> {
  const pattern = new RegExp(`^[0-9a-f]{${length}}$`);
  return (value, path) => {
    if (typeof value !== 'string' || !pattern.test(value))
      throw new SnapshotError(path, `expected ${length} hex digits, got ${show(value)}`);
    return value;
  };
}

/** Present, whatever it is (a part another class decodes). */
export const present: Decoder<unknown> = (value, path) => {
  if (value === undefined) throw new SnapshotError(path, 'missing');
  return value;
};

export function oneOf<const T extends string | number>(...values: readonly T[]): Decoder<T> {
  return (value, path) => {
    if (!values.includes(value as T))
      throw new SnapshotError(path, `expected one of ${values.join(', ')}, got ${show(value)}`);
    return value as T;
  };
}

export function nullable<T>(decoder: Decoder<T>): Decoder<T | null> {
  return (value, path) => (value === null ? null : decoder(value, path));
}

export function optional<T>(decoder: Decoder<T>): Decoder<T | undefined> {
  return (value, path) => (value === undefined ? undefined : decoder(value, path));
}

/** An array of items; `length` (when given) is required exactly, so a truncated array is refused. */
export function arrayOf<T>(item: Decoder<T>, length?: number): Decoder<T[]> {
  return (value, path) => {
    if (!Array.isArray(value)) throw new SnapshotError(path, `expected an array, got ${describe(value)}`);
    if (length !== undefined && value.length !== length)
      throw new SnapshotError(path, `expected ${length} items, got ${value.length}`);
    return value.map((entry, i) => item(entry, `${path}[${i}]`));
  };
}

function fields(value: unknown, path: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new SnapshotError(path, `expected an object, got ${describe(value)}`);
  return value as Record<string, unknown>;
}

/**
 * An object with exactly these fields (an optional one may be absent). `rest: 'keep'` passes other
 * fields through untouched instead of refusing them.
 */
export function object<T>(
  shape: { readonly [K in keyof T]-?: Decoder<T[K]> },
  { rest = 'refuse' }: { readonly rest?: 'refuse' | 'keep' } = {},
): Decoder<T> {
  const keys = Object.keys(shape) as (keyof T & string)[];
  return (value, path) => {
    const input = fields(value, path);
    // In the input's order, so a restored object lists its fields as the saved one did.
    const out: [string, unknown][] = [];
    for (const key of Object.keys(input)) {
      if (Object.hasOwn(shape, key)) {
        const decoded = shape[key as keyof T](input[key], `${path}.${key}`);
        if (decoded !== undefined) out.push([key, decoded]);
      } else if (rest === 'keep') out.push([key, input[key]]);
      else throw new SnapshotError(`${path}.${key}`, 'unexpected field');
    }
    // A field left out must be one that may be (its decoder takes undefined).
    for (const key of keys) if (!Object.hasOwn(input, key)) shape[key](undefined, `${path}.${key}`);
    // fromEntries defines own properties, so a key named __proto__ stays data.
    return Object.fromEntries(out) as T;
  };
}

/** An object used as a map from any key to values of one kind. */
export function recordOf<T>(item: Decoder<T>): Decoder<Record<string, T>> {
  return (value, path) => {
    const input = fields(value, path);
    return Object.fromEntries(
      Object.entries(input).map(([key, entry]) => [key, item(entry, `${path}.${key}`)]),
    );
  };
}

/** Throws SnapshotError at `path` unless `ok`. */
export function check(ok: boolean, path: string, detail: string): void {
  if (!ok) throw new SnapshotError(path, detail);
}
