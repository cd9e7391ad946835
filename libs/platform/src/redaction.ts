import { SECRET_KEY_PATTERN, URL_CREDENTIALS_PATTERN } from '@app/config';

/** Every credential in a text, not just the first: `scheme://user:password@` → `scheme://user:***@`. */
const URL_CREDENTIALS_ALL = new RegExp(URL_CREDENTIALS_PATTERN.source, 'gi');
const MASK = '***';

/**
 * Removes secrets from anything about to be logged: passwords inside URLs, values under
 * secret-looking keys, and the exact secret values this process was given (so a secret that
 * leaks into an error message from a driver is still masked).
 */
export class SecretRedactor {
  private readonly secrets: readonly string[];

  constructor(secrets: readonly string[]) {
    // Longest first, so a secret containing another is masked whole. Very short values would
    // mask ordinary words, so they are left to the URL and key rules.
    this.secrets = [...new Set(secrets)]
      .filter((secret) => secret.length >= 4)
      .sort((a, b) => b.length - a.length);
  }

  redactText(text: string): string {
    let result = text.replace(URL_CREDENTIALS_ALL, `$1${MASK}@`);
    for (const secret of this.secrets) result = result.split(secret).join(MASK);
    return result;
  }

  redact(value: unknown, seen = new WeakSet<object>()): unknown {
    if (typeof value === 'string') return this.redactText(value);
    if (value === null || typeof value !== 'object') return value;
    if (seen.has(value)) return '[Circular]';
    seen.add(value);
    if (value instanceof Error) {
      const copy = new Error(this.redactText(value.message));
      copy.name = value.name;
      copy.stack = value.stack === undefined ? undefined : this.redactText(value.stack);
      return copy;
    }
    if (Array.isArray(value)) return value.map((item: unknown) => this.redact(item, seen));
    const result: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      result[key] = SECRET_KEY_PATTERN.test(key) ? MASK : this.redact(child, seen);
    }
    return result;
  }
}
