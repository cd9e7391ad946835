import { registerDecorator, type ValidationArguments, type ValidationOptions } from 'class-validator';
import { type PlainObject } from './deep.js';
import { type RecordCheck, type ValueCheck } from './validate.js';

/** Weights at one level must sum to 1 within this tolerance (issue #2). */
export const WEIGHT_SUM_TOLERANCE = 1e-6;

export const weightValue: ValueCheck = (value) =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 1
    ? null
    : `must be a number from 0 to 1 (got ${JSON.stringify(value)})`;

export const weightsSumToOne: RecordCheck = (record: Readonly<PlainObject>) => {
  const values = Object.values(record);
  if (!values.every((value) => typeof value === 'number' && Number.isFinite(value))) return null;
  const sum = (values as number[]).reduce((total, value) => total + value, 0);
  return Math.abs(sum - 1) <= WEIGHT_SUM_TOLERANCE
    ? null
    : `weights must sum to 1 (±${WEIGHT_SUM_TOLERANCE}), got ${Number(sum.toFixed(9))}`;
};

/** `BASE/QUOTE`, optionally `:SETTLE` for derivatives, in ccxt's unified notation. */
export const SYMBOL_PATTERN = /^[A-Z0-9]{1,20}\/[A-Z0-9]{1,20}(:[A-Z0-9]{1,20})?$/;

export const symbolKey: ValueCheck = (value) =>
  typeof value === 'string' && SYMBOL_PATTERN.test(value)
    ? null
    : 'must be a unified symbol such as BTC/USDT (or BTC/USDT:USDT for a perpetual)';

/** Cross-field rule: this number must be strictly below the sibling property `other`. */
export function IsLessThanProperty(other: string, options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isLessThanProperty',
      target: target.constructor,
      propertyName: String(propertyName),
      constraints: [other],
      options,
      validator: {
        validate(value: unknown, args: ValidationArguments): boolean {
          const otherValue = (args.object as PlainObject)[other];
          // Type errors on either side are reported by their own validators.
          if (typeof value !== 'number' || typeof otherValue !== 'number') return true;
          return value < otherValue;
        },
        defaultMessage(args: ValidationArguments): string {
          const otherValue = (args.object as PlainObject)[other];
          return `must be less than ${other} (${String(otherValue)})`;
        },
      },
    });
  };
}

/** Array items (ids, names) must be unique. */
export function HasUniqueItems(select: (item: unknown) => unknown = (item) => item): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'hasUniqueItems',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate(value: unknown): boolean {
          if (!Array.isArray(value)) return true;
          const keys = value.map(select);
          return new Set(keys).size === keys.length;
        },
        defaultMessage(args: ValidationArguments): string {
          const value: unknown = args.value;
          const keys = Array.isArray(value) ? value.map(select) : [];
          const duplicates = keys.filter((key, index) => keys.indexOf(key) !== index);
          return `must not repeat items (repeated: ${[...new Set(duplicates)].map(String).join(', ')})`;
        },
      },
    });
  };
}
