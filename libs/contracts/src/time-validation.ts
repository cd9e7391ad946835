import { IsInt, Max, Min } from 'class-validator';
import { MAX_TIME_MS, MIN_TIME_MS } from './time-range.js';

/**
 * A time field of a REST DTO or a bus event: the one range of time-range.ts. Built from the
 * built-in rules the compiled check mirrors (fast-validation.ts), so a bus event or a query keeps
 * its fast path; each failed rule is its own issue (`must be an integer number`, `must not be
 * less than 0`, and this message past the end).
 */
export function IsTimeMs(): PropertyDecorator {
  const rules = [
    IsInt(),
    Min(MIN_TIME_MS),
    Max(MAX_TIME_MS, { message: `$property must not be after ${MAX_TIME_MS} (9999-12-31T23:59:59.999Z)` }),
  ];
  return (target, key) => {
    for (const rule of rules) rule(target, key);
  };
}
