import { type PathSegment } from './config.types.js';
import { isPlainObject } from './deep.js';
import { type RawIssue } from './validate.js';

/**
 * Key names that hold credentials. One definition for refusing them in YAML (committed to git;
 * secrets come from the environment) and for masking them in logs (libs/platform).
 */
export const SECRET_KEY_PATTERN =
  /(pass(word|wd)?|secret|token|api[-_]?key|private[-_]?key|credential|auth|authorization|cookie)$/i;
/** `scheme://user:password@`, anywhere in a string; group 1 is everything before the password. */
export const URL_CREDENTIALS_PATTERN = /([a-z][a-z0-9+.-]*:\/\/[^/@:\s]*:)[^/@\s]+@/i;

/**
 * Finds secrets in parsed YAML and removes them, so they are refused with one clear message and
 * never echoed back or reported a second time as unknown keys.
 */
export function extractSecrets(data: unknown, path: readonly PathSegment[] = []): RawIssue[] {
  const issues: RawIssue[] = [];
  const visit = (
    value: unknown,
    here: readonly PathSegment[],
    container: unknown,
    key: PathSegment,
  ): void => {
    if (typeof value === 'string' && URL_CREDENTIALS_PATTERN.test(value)) {
      issues.push({
        path: here,
        message: 'contains a password in a URL; secrets belong in environment variables, not YAML',
      });
      if (Array.isArray(container) && typeof key === 'number') container[key] = '<removed secret>';
      else if (isPlainObject(container)) container[String(key)] = '<removed secret>';
      return;
    }
    if (Array.isArray(value))
      value.forEach((item, index) => {
        visit(item, [...here, index], value, index);
      });
    else if (isPlainObject(value)) {
      for (const [childKey, child] of Object.entries(value)) {
        if (SECRET_KEY_PATTERN.test(childKey)) {
          issues.push({
            path: [...here, childKey],
            message:
              'looks like a secret; secrets belong in environment variables, not YAML (the value was ignored)',
          });
          Reflect.deleteProperty(value, childKey);
        } else {
          visit(child, [...here, childKey], value, childKey);
        }
      }
    }
  };
  visit(data, path, undefined, '');
  return issues;
}
