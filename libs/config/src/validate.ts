import 'reflect-metadata';
import { type ClassConstructor, plainToInstance } from 'class-transformer';
import {
  getMetadataStorage,
  IsObject,
  IsOptional,
  type ValidationError,
  validateSync,
} from 'class-validator';
import { type PathSegment } from './config.types.js';
import { isPlainObject, type PlainObject } from './deep.js';

/** A violation before it is attributed to a file. */
export interface RawIssue {
  readonly path: readonly PathSegment[];
  readonly message: string;
}

/** Checks one value of a record; returns a message when it is invalid. */
export type ValueCheck = (value: unknown) => string | null;
/** Checks a record as a whole (a sum, say); returns a message when it is invalid. */
export type RecordCheck = (record: Readonly<PlainObject>) => string | null;

export interface RecordSpec {
  /** Allowed keys; anything else is an unknown key. Omitted: every key is allowed (and checked by `key`). */
  readonly keys?: readonly string[];
  /** With `keys`: every key must be present. */
  readonly requireAll?: boolean;
  /** Extra check on each key (a symbol's format, say). */
  readonly key?: ValueCheck;
  /** Each value is either a nested config class or a scalar check. */
  readonly value: ClassConstructor<object> | ValueCheck;
  readonly whole?: RecordCheck;
  /** The property may be left out (a per-symbol override that changes only thresholds, say). */
  readonly optional?: boolean;
}

const RECORD_METADATA = Symbol('confluence:config-records');

interface RecordMetadata {
  readonly property: string;
  readonly spec: RecordSpec;
}

/**
 * Marks a property as a mapping of names to values (symbol overrides, weights by timeframe).
 * class-validator has no notion of records with per-key paths, so `validateConfigSection`
 * checks them itself and reports `parent.key` paths for each bad entry.
 */
export function RecordOf(spec: RecordSpec): PropertyDecorator {
  return (target: object, property: string | symbol) => {
    if (spec.optional === true) IsOptional()(target, property);
    IsObject({ message: 'must be a mapping of keys to values' })(target, property);
    const ctor = target.constructor;
    const existing = (Reflect.getOwnMetadata(RECORD_METADATA, ctor) as RecordMetadata[] | undefined) ?? [];
    Reflect.defineMetadata(RECORD_METADATA, [...existing, { property: String(property), spec }], ctor);
  };
}

function recordMetadataOf(ctor: unknown): RecordMetadata[] {
  const found: RecordMetadata[] = [];
  let current: unknown = ctor;
  while (typeof current === 'function' && current !== Function.prototype) {
    const own = Reflect.getOwnMetadata(RECORD_METADATA, current) as RecordMetadata[] | undefined;
    if (own !== undefined) found.push(...own);
    current = Object.getPrototypeOf(current);
  }
  return found;
}

function isClassConstructor(value: RecordSpec['value']): value is ClassConstructor<object> {
  return typeof value === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(value));
}

function allowedKeysOf(ctor: unknown): string[] {
  if (typeof ctor !== 'function') return [];
  const metadata = getMetadataStorage().getTargetValidationMetadatas(ctor, '', true, false);
  return [...new Set(metadata.map((entry) => entry.propertyName))].sort();
}

/** class-validator's messages start with the property name, which the path already says. */
function stripProperty(message: string, property: string): string {
  return message.startsWith(`${property} `) ? message.slice(property.length + 1) : message;
}

function segmentOf(property: string): PathSegment {
  return /^\d+$/.test(property) ? Number(property) : property;
}

/** When a value has the wrong type, range and format messages about it are noise. */
const TYPE_CONSTRAINTS: readonly string[] = [
  'isInt',
  'isNumber',
  'isString',
  'isBoolean',
  'isArray',
  'isObject',
];

function relevantConstraints(constraints: Readonly<Record<string, string>>): [string, string][] {
  const all = Object.entries(constraints);
  const typeErrors = all.filter(([name]) => TYPE_CONSTRAINTS.includes(name));
  return typeErrors.length > 0 ? typeErrors : all;
}

function flatten(errors: readonly ValidationError[], path: readonly PathSegment[], out: RawIssue[]): void {
  for (const error of errors) {
    const here = [...path, segmentOf(error.property)];
    for (const [name, message] of relevantConstraints(error.constraints ?? {})) {
      if (name === 'whitelistValidation') {
        const allowed = allowedKeysOf(error.target?.constructor);
        out.push({
          path: here,
          message: `unknown key${allowed.length > 0 ? ` (allowed: ${allowed.join(', ')})` : ''}`,
        });
      } else {
        out.push({ path: here, message: stripProperty(message, error.property) });
      }
    }
    flatten(error.children ?? [], here, out);
  }
}

function checkRecord(
  record: PlainObject,
  spec: RecordSpec,
  path: readonly PathSegment[],
  out: RawIssue[],
): void {
  for (const [key, value] of Object.entries(record)) {
    const here = [...path, key];
    if (spec.keys !== undefined && !spec.keys.includes(key)) {
      out.push({ path: here, message: `unknown key (allowed: ${spec.keys.join(', ')})` });
      continue;
    }
    const keyProblem = spec.key?.(key);
    if (keyProblem !== null && keyProblem !== undefined) out.push({ path: here, message: keyProblem });
    if (isClassConstructor(spec.value)) {
      record[key] = validateConfigSection(spec.value, value, here, out);
    } else {
      const problem = spec.value(value);
      if (problem !== null) out.push({ path: here, message: problem });
    }
  }
  if (spec.keys !== undefined && spec.requireAll === true) {
    for (const key of spec.keys) {
      if (!Object.hasOwn(record, key)) out.push({ path: [...path, key], message: 'is required' });
    }
  }
  const wholeProblem = spec.whole?.(record);
  if (wholeProblem !== null && wholeProblem !== undefined) out.push({ path, message: wholeProblem });
}

/** Applies the record checks of `instance`'s class, and of every nested config object in it. */
function checkRecords(instance: object, path: readonly PathSegment[], out: RawIssue[]): void {
  const records = recordMetadataOf(instance.constructor);
  const recordProperties = new Set(records.map((entry) => entry.property));
  for (const { property, spec } of records) {
    const value = (instance as PlainObject)[property];
    if (isPlainObject(value)) checkRecord(value, spec, [...path, property], out);
  }
  for (const [property, value] of Object.entries(instance)) {
    if (recordProperties.has(property)) continue;
    const children: unknown[] = Array.isArray(value) ? value : [value];
    children.forEach((child, index) => {
      if (child !== null && typeof child === 'object' && !isPlainObject(child) && !Array.isArray(child)) {
        checkRecords(child, Array.isArray(value) ? [...path, property, index] : [...path, property], out);
      }
    });
  }
}

/**
 * Turns a plain (parsed YAML) value into an instance of `cls` and collects every violation under
 * `path`: types and ranges, unknown keys, cross-field rules and records. Never throws; the
 * returned instance is only meaningful when nothing was added to `out`.
 */
export function validateConfigSection<T extends object>(
  cls: ClassConstructor<T>,
  plain: unknown,
  path: readonly PathSegment[],
  out: RawIssue[],
): T {
  if (!isPlainObject(plain)) {
    out.push({ path, message: 'must be a mapping of keys to values' });
    return plainToInstance(cls, {});
  }
  const instance = plainToInstance(cls, plain);
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    validationError: { target: true, value: false },
  });
  flatten(errors, path, out);
  checkRecords(instance, path, out);
  return instance;
}
