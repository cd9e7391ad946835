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

interface PropertyBound {
  readonly name: string;
  /** `@ValidateIf` (and `@IsOptional`'s kin): the bound applies only where they hold. */
  readonly conditions: readonly Condition[];
  readonly max: number | null;
  readonly message: string;
  /** The check of a nested class (of the object, or of each element) with bounds of its own. */
  readonly nested: ArraySizeCheck | null;
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
  const byProperty = rulesByProperty(cls);
  const bounds: PropertyBound[] = [];
  for (const [name, list] of byProperty) {
    const conditions: Condition[] = [];
    let max: number | null = null;
    let message = '';
    let nested: ArraySizeCheck | null = null;
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
      } else if (metadata.type === 'nestedValidation') {
        const type = nestedClassOf(cls, name);
        nested = type === null ? null : compileArraySizeCheck(type, compiled);
      }
    }
    if (max !== null || nested !== null) bounds.push({ name, conditions, max, message, nested });
  }
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
