import 'reflect-metadata';
import type { FieldIssue } from './confluence.error.js';
import { nestedClassOf, rulesByProperty, type ValidationMetadata } from './fast-validation.js';

/**
 * Every array of a payload longer than its class allows (`@ArrayMaxSize`, in nested classes too),
 * read from the payload as received. Empty when every array is within its bound.
 *
 * Why: class-transformer builds an instance of every element before class-validator gets to the
 * size rule, and class-validator then validates each element: 30,000 `trades` (10,000 allowed)
 * took 1,540 ms to be refused (issue 27). Checked first, such a body is refused after a walk of
 * the few bounded properties, and no element is copied. The issues are the ones class-validator
 * gives (same path, same message), so the 400 reads the same.
 */
export type ArraySizeCheck = (payload: unknown, path?: string) => FieldIssue[];

type Condition = (object: object, value: unknown) => boolean;

interface PropertyRules {
  readonly name: string;
  /** `@ValidateIf` (and `@IsOptional`'s kin): the bound applies only where they hold. */
  readonly conditions: readonly Condition[];
  readonly max: number | null;
  readonly message: string;
  /** Its `@ValidateNested` class (of the object, or of each element), which may bound arrays of its own. */
  readonly nestedClass: (new () => object) | null;
}

function join(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

/** class-validator's message for `property` (its own template, or the rule's), less the leading property name. */
function messageOf(metadata: ValidationMetadata, property: string, max: number): string {
  const template =
    typeof metadata.message === 'string'
      ? metadata.message
      : '$property must contain no more than $constraint1 elements';
  const text = template.replaceAll('$property', property).replaceAll('$constraint1', String(max));
  return text.startsWith(`${property} `) ? text.slice(property.length + 1) : text;
}

/** The properties of `cls` (own and inherited) with an `@ArrayMaxSize` or a nested class. */
function propertyRulesOf(cls: new () => object): PropertyRules[] {
  const found: PropertyRules[] = [];
  for (const [name, list] of rulesByProperty(cls)) {
    const conditions: Condition[] = [];
    let max: number | null = null;
    let message = '';
    let nestedClass: (new () => object) | null = null;
    for (const metadata of list) {
      const first = metadata.constraints?.[0];
      if (metadata.type === 'conditionalValidation' && typeof first === 'function')
        conditions.push(first as Condition);
      else if (
        metadata.name === 'arrayMaxSize' &&
        typeof first === 'number' &&
        (max === null || first < max)
      ) {
        max = first;
        message = messageOf(metadata, name, first);
      } else if (metadata.type === 'nestedValidation') nestedClass = nestedClassOf(cls, name);
    }
    if (max !== null || nestedClass !== null) found.push({ name, conditions, max, message, nestedClass });
  }
  return found;
}

/**
 * Compiles the size check of `cls`: null when neither it nor any class nested in it bounds an
 * array (nothing to check). `compiled` memoises the classes of one compilation; a class nested in
 * itself is checked down to where it recurs.
 */
export function compileArraySizeCheck(
  cls: new () => object,
  compiled = new Map<new () => object, ArraySizeCheck | null>(),
): ArraySizeCheck | null {
  if (compiled.has(cls)) return compiled.get(cls) ?? null;
  compiled.set(cls, null);
  const bounds = propertyRulesOf(cls)
    .map((rules) => ({
      ...rules,
      nested: rules.nestedClass === null ? null : compileArraySizeCheck(rules.nestedClass, compiled),
    }))
    .filter((bound) => bound.max !== null || bound.nested !== null);
  if (bounds.length === 0) return null;
  const check: ArraySizeCheck = (payload, path = '') => {
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return [];
    const source = payload as Readonly<Record<string, unknown>>;
    const issues: FieldIssue[] = [];
    for (const bound of bounds) {
      if (!Object.hasOwn(source, bound.name)) continue;
      const value = source[bound.name];
      if (!bound.conditions.every((condition) => condition(payload, value))) continue;
      const here = join(path, bound.name);
      if (Array.isArray(value) && bound.max !== null && value.length > bound.max) {
        issues.push({ field: here, message: bound.message });
        continue;
      }
      const nested = bound.nested;
      if (nested === null) continue;
      if (Array.isArray(value))
        value.forEach((element, index) => issues.push(...nested(element, `${here}[${index}]`)));
      else issues.push(...nested(value, here));
    }
    return issues;
  };
  compiled.set(cls, check);
  return check;
}

/**
 * Where a payload's bounded arrays are, as a tree a scan of the raw JSON follows (libs/gateway
 * `JsonArrayScan`) to refuse an oversized array while the body is still arriving, before it is
 * parsed. A node is the value of a property: when that value is an array, at most `max` elements
 * (the issue then reads `message`); `properties` apply to the value when it is an object, or to
 * each element that is an object when it is an array, as the compiled check walks them. A Map: a
 * client's key (`__proto__`, `constructor`) finds nothing that was not declared.
 */
export interface ArrayBounds {
  readonly max: number | null;
  readonly message: string;
  readonly properties: ReadonlyMap<string, ArrayBounds>;
}

/**
 * Whether a `@ValidateIf` condition holds for any array as the value of `property`, whatever the
 * rest of the object: it is called with an object and an array that throw on any other read. A
 * condition that reads them (the array's contents, another property) cannot be decided before the
 * body is parsed; its bound is left to the compiled check.
 */
function holdsForAnyArray(condition: Condition, property: string): boolean {
  const refuse = (): never => {
    throw new Error('read before the body is parsed');
  };
  const array = new Proxy([], { get: refuse, has: refuse, ownKeys: refuse });
  const object = new Proxy(
    {},
    { get: (_target, key) => (key === property ? array : refuse()), has: refuse, ownKeys: refuse },
  );
  try {
    return condition(object, array);
  } catch {
    return false;
  }
}

/**
 * The tree of `cls`'s array bounds (`@ArrayMaxSize`, in nested classes too) for a scan of the raw
 * body, or null when it has none a scan can decide. The rules of `compileArraySizeCheck`, which
 * stays the authority on the parsed body: a scan refuses only what it would refuse.
 */
export function arrayBoundsOf(
  cls: new () => object,
  visiting: ReadonlySet<new () => object> = new Set(),
): ArrayBounds | null {
  // A class nested in itself is followed down to where it recurs, as the check does.
  if (visiting.has(cls)) return null;
  const inside = new Set([...visiting, cls]);
  const properties = new Map<string, ArrayBounds>();
  for (const rules of propertyRulesOf(cls)) {
    if (!rules.conditions.every((condition) => holdsForAnyArray(condition, rules.name))) continue;
    const nested = rules.nestedClass === null ? null : arrayBoundsOf(rules.nestedClass, inside);
    if (rules.max === null && nested === null) continue;
    properties.set(rules.name, {
      max: rules.max,
      message: rules.message,
      properties: nested?.properties ?? new Map<string, ArrayBounds>(),
    });
  }
  return properties.size === 0 ? null : { max: null, message: '', properties };
}
