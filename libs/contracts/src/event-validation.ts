import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import type { FastCheck } from './fast-validation.js';
import { errorMessage } from './error-message.js';

/** The plain-data shape of an event class: what publishers build and the bus carries. */
export type EventData<T> = {
  readonly [K in keyof T]: NonNullable<T[K]> extends object
    ? NonNullable<T[K]> extends readonly (infer E)[]
      ? readonly EventData<E>[]
      : EventData<NonNullable<T[K]>> | Extract<T[K], undefined | null>
    : T[K];
};

export type Validated<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly errors: readonly string[] };

/**
 * Validates a received payload against its class: every problem as `path: message`, unknown
 * fields refused, so a malformed message is rejected with its reasons, never processed.
 */
export function validatePayload<T extends object>(
  payloadClass: new () => T,
  payload: unknown,
  fast: FastCheck | null = null,
): Validated<T> {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return { ok: false, errors: ['payload: must be an object'] };
  }
  try {
    // The common case, a valid payload, without class-transformer and class-validator (see FastCheck).
    const checked = fast?.(payload) ?? null;
    if (checked !== null) return { ok: true, value: checked as T };
    const value = plainToInstance(payloadClass, payload);
    const errors = validateSync(value, { whitelist: true, forbidNonWhitelisted: true });
    return errors.length === 0 ? { ok: true, value } : { ok: false, errors: flatten(errors, '') };
  } catch (error) {
    // A pathological payload (thousands of nesting levels) overflows the validator's recursion:
    // still a rejection with a reason, never an exception that stops a subscriber.
    return {
      ok: false,
      errors: [`payload: could not be validated (${errorMessage(error)})`],
    };
  }
}

function flatten(errors: readonly ValidationError[], prefix: string): string[] {
  return errors.flatMap((error) => {
    const path = prefix === '' ? error.property : `${prefix}.${error.property}`;
    const own = Object.values(error.constraints ?? {}).map((message) => `${path}: ${message}`);
    return [...own, ...flatten(error.children ?? [], path)];
  });
}
