import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage } from 'class-validator';

/**
 * A payload's instance when it certainly passes its class's validation, else null: then the full
 * class-transformer + class-validator path decides, and words the errors. Compiled once per class
 * from class-validator's own metadata, so it cannot drift from the decorators: a class using a
 * rule it does not know compiles to null and always takes the full path.
 *
 * Why: the bus validates every message it receives, and `plainToInstance` + `validateSync` cost
 * 15–25 µs for a candle and far more for a book or a batch of trades (a quarter of the CPU of the
 * feed suites, and of a worker's receive path). Equivalence with the full path is a property test
 * (fast-validation.spec.ts): whenever this returns an instance, the full path accepts the payload
 * and builds an equal instance of the same classes.
 */
export type FastCheck = (payload: unknown) => object | null;

type Rule = (value: unknown) => boolean;

/** The fields of class-validator's ValidationMetadata read here (the type is not exported). */
export interface ValidationMetadata {
  readonly type: string;
  readonly name?: string;
  readonly propertyName: string;
  readonly constraints?: readonly unknown[];
  readonly groups?: readonly string[];
  readonly each?: boolean;
  readonly message?: unknown;
}
type Condition = (object: object, value: unknown) => boolean;

interface PropertyPlan {
  readonly name: string;
  readonly conditions: readonly Condition[];
  /** `@IsDefined()`: checked before the conditions, as class-validator does. */
  readonly defined: boolean;
  readonly rules: readonly Rule[];
  /** The class of a nested object, or of each element of a nested array. */
  readonly nested: { readonly check: FastCheck } | null;
  /** `@IsObject()` without a nested class: a plain object is taken as received. */
  readonly opaque: boolean;
}

/** What validator.js does not count as `.length` does: surrogates, variation selectors. */
const COUNTED_APART = /[\uD800-\uDFFF]|\uFE0E|\uFE0F/;

const num = (value: unknown): value is number => typeof value === 'number';

/** class-validator's built-in rules this compiler mirrors, by metadata name; any other → null. */
function ruleOf(metadata: ValidationMetadata): Rule | null {
  const [first, second] = metadata.constraints ?? [];
  switch (metadata.name) {
    case 'isString':
      return (v) => typeof v === 'string';
    case 'isInt':
      return (v) => num(v) && Number.isInteger(v);
    case 'isPositive':
      return (v) => num(v) && v > 0;
    case 'isArray':
      return (v) => Array.isArray(v);
    case 'isObject':
      // class-validator's isObject: functions count, arrays do not.
      return (v) => v !== null && (typeof v === 'object' || typeof v === 'function') && !Array.isArray(v);
    case 'min':
      return num(first) ? (v) => num(v) && v >= first : null;
    case 'max':
      return num(first) ? (v) => num(v) && v <= first : null;
    case 'isIn': {
      if (!Array.isArray(first)) return null;
      const allowed: readonly unknown[] = first;
      return (v) => allowed.some((a) => a === v);
    }
    case 'isNumber': {
      const options = (first ?? {}) as {
        allowNaN?: boolean;
        allowInfinity?: boolean;
        maxDecimalPlaces?: number;
      };
      if (options.maxDecimalPlaces !== undefined) return null;
      return (v) => {
        if (!num(v)) return false;
        if (v === Infinity || v === -Infinity) return options.allowInfinity === true;
        if (Number.isNaN(v)) return options.allowNaN === true;
        return true;
      };
    }
    case 'minLength':
    case 'maxLength': {
      if (!num(first)) return null;
      const min = metadata.name === 'minLength';
      // Other strings take the full path: validator.js discounts surrogate pairs and selectors.
      return (v) =>
        typeof v === 'string' && !COUNTED_APART.test(v) && (min ? v.length >= first : v.length <= first);
    }
    case 'matches': {
      const pattern =
        first instanceof RegExp
          ? first
          : typeof first === 'string'
            ? new RegExp(first, second as string)
            : null;
      return pattern === null ? null : (v) => typeof v === 'string' && v.match(pattern) !== null;
    }
    default:
      return null;
  }
}

/** The class class-transformer builds for a nested property (as its `@Type` says), probed through its public API. */
export function nestedClassOf(cls: new () => object, property: string): (new () => object) | null {
  const probe = plainToInstance(cls, { [property]: [{}] }) as Record<string, unknown>;
  const element = (probe[property] as unknown[] | undefined)?.[0];
  const single = plainToInstance(cls, { [property]: {} }) as Record<string, unknown>;
  const value = single[property];
  if (typeof element !== 'object' || element === null || typeof value !== 'object' || value === null)
    return null;
  const type = element.constructor as new () => object;
  // A discriminated or value-dependent @Type gives different classes: not mirrored.
  return type !== Object && value.constructor === type ? type : null;
}

/** class-validator's rules of `cls` (its own and inherited), by property, in declaration order. */
export function rulesByProperty(cls: new () => object): Map<string, ValidationMetadata[]> {
  const byProperty = new Map<string, ValidationMetadata[]>();
  for (const metadata of getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false)) {
    const list = byProperty.get(metadata.propertyName) ?? [];
    list.push(metadata);
    byProperty.set(metadata.propertyName, list);
  }
  return byProperty;
}

/**
 * Compiles the check of `cls` (null when it uses anything not mirrored). `compiled` memoises the
 * classes of one compilation, so a class nested in several places compiles once; a class nested
 * in itself compiles to null.
 */
export function compileFastCheck(
  cls: new () => object,
  compiled = new Map<new () => object, FastCheck | null>(),
): FastCheck | null {
  if (compiled.has(cls)) return compiled.get(cls) ?? null;
  compiled.set(cls, null);
  const byProperty = rulesByProperty(cls);
  if (byProperty.size === 0) return null;
  for (const list of byProperty.values())
    for (const metadata of list)
      // `each` changes nothing for nested validation (arrays are walked anyway); on a rule it does.
      if ((metadata.each && metadata.type !== 'nestedValidation') || (metadata.groups ?? []).length > 0)
        return null;
  // Every field the class declares must carry a rule: an undecorated one fails the whitelist.
  if (Object.keys(new cls()).some((key) => !byProperty.has(key))) return null;
  const plans: PropertyPlan[] = [];
  for (const [name, list] of byProperty) {
    const conditions: Condition[] = [];
    const rules: Rule[] = [];
    let nested: PropertyPlan['nested'] = null;
    let defined = false;
    let opaque = false;
    for (const metadata of list) {
      if (metadata.type === 'conditionalValidation') {
        const condition = metadata.constraints?.[0];
        if (typeof condition !== 'function') return null;
        conditions.push(condition as Condition);
      } else if (metadata.type === 'nestedValidation') {
        const type = nestedClassOf(cls, name);
        const check = type === null ? null : compileFastCheck(type, compiled);
        if (check === null) return null;
        nested = { check };
      } else if (metadata.type === 'isDefined') {
        defined = true;
      } else if (metadata.type === 'customValidation') {
        const rule = ruleOf(metadata);
        if (rule === null) return null;
        rules.push(rule);
        if (metadata.name === 'isObject') opaque = true;
      } else return null;
    }
    plans.push({ name, conditions, defined, rules, nested, opaque });
  }
  const known = new Set(plans.map((plan) => plan.name));
  const check: FastCheck = (payload) => {
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return null;
    if (!plainOr(payload, cls)) return null;
    const source = payload as Readonly<Record<string, unknown>>;
    for (const key of Object.keys(source)) if (!known.has(key)) return null;
    // Built as class-transformer builds it: a new instance, then each given field.
    const instance = new cls() as Record<string, unknown>;
    for (const plan of plans) {
      if (!Object.hasOwn(source, plan.name)) continue;
      const value = source[plan.name];
      instance[plan.name] =
        plan.nested !== null
          ? nestedValue(value, plan.nested.check)
          : plan.opaque && isPlainObject(value)
            ? value
            : flatValue(value);
      if (instance[plan.name] === INVALID) return null;
    }
    for (const plan of plans) {
      const value = instance[plan.name];
      // class-validator's IsDefined: neither undefined nor null, whatever the conditions say.
      if (plan.defined && (value === undefined || value === null)) return null;
      if (!plan.conditions.every((condition) => condition(instance, value))) continue;
      for (const rule of plan.rules) if (!rule(value)) return null;
      // A nested property that is absent passes (as in class-validator); null does not.
      if (plan.nested !== null && value === null) return null;
    }
    return instance;
  };
  compiled.set(cls, check);
  return check;
}

const INVALID = Symbol('invalid');

/**
 * A plain object (of any realm: structuredClone and vm contexts make objects whose prototype is
 * another realm's Object.prototype) or an instance of `cls`; anything else takes the full path.
 */
function plainOr(value: object, cls: new () => object): boolean {
  return value instanceof cls || isPlain(value);
}

function isPlain(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype) return true;
  return (
    typeof proto === 'object' &&
    proto !== null &&
    Object.getPrototypeOf(proto) === null &&
    'hasOwnProperty' in proto
  );
}

/**
 * An `@IsObject()` field's value kept as received, where class-transformer would copy it: equal
 * by value, and the payload is the receiver's own (parsed from the message), so nothing else
 * holds it. Copying a 7 KB result on every update is what the fast path exists to avoid.
 */
function isPlainObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && isPlain(value);
}

/**
 * A field without a nested class, as class-transformer copies it: primitives as they are, an
 * array of primitives as a new array; any other object is left to the full path.
 */
function flatValue(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (!Array.isArray(value)) return INVALID;
  return value.every((element) => typeof element !== 'object' && typeof element !== 'function')
    ? [...(value as unknown[])]
    : INVALID;
}

/** A nested object or array of objects built and checked as its class; INVALID when it is not certainly valid. */
function nestedValue(value: unknown, check: FastCheck): unknown {
  if (value === undefined || value === null) return value;
  if (Array.isArray(value)) {
    const built: object[] = [];
    for (const element of value) {
      const instance = check(element);
      if (instance === null) return INVALID;
      built.push(instance);
    }
    return built;
  }
  return check(value) ?? INVALID;
}
