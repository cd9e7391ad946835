import { SECRET_KEY_PATTERN, URL_CREDENTIALS_PATTERN } from '@app/config/core';

/** Every credential in a text, not just the first: `scheme://user:password@` → `scheme://user:***@`. */
const URL_CREDENTIALS_ALL = new RegExp(URL_CREDENTIALS_PATTERN.source, 'gi');
const MASK = '***';
/** A query parameter's name in a logged URL (`?api_key=`, `&token=`): group 1 is the name. */
const QUERY_NAME = /[?&]([^=&#?\s]{1,100})=/g;
/** Where a query value ends: the next parameter, the fragment, or the end of the logged URL. */
const QUERY_VALUE_END = /[&#\s]/;
/** Query names that carry credentials besides the secret key names (`?key=` is a common API key). */
const SECRET_QUERY_NAMES = /^(key|sig|signature)$/i;

/** Whether a query parameter so named carries a secret (`api_key`, `access_token`, `api%5Fkey`, `key[]`). */
function isSecretQueryName(raw: string): boolean {
  // Percent-escapes decoded byte by byte: secret names are ASCII, and no escape can fail to decode.
  const name = raw
    .replace(/%([0-9a-f]{2})/gi, (_escape, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
    .replace(/\[\]$/, '');
  return SECRET_KEY_PATTERN.test(name) || SECRET_QUERY_NAMES.test(name);
}

/**
 * The values of secret-named query parameters in a text (a request line's URL): a client that
 * sends its key as `?api_key=…` gets a 401, and its key must not reach the log with the URL.
 * Masked up to the next `&`, `#` or whitespace, so a value holding `?` or `"` is masked whole;
 * other parameters' values are scanned too (`?next=/x?token=…`).
 */
function redactQuery(text: string): string {
  if (!text.includes('=')) return text;
  let result = '';
  let done = 0;
  for (const match of text.matchAll(QUERY_NAME)) {
    const [whole, name = ''] = match;
    // A separator inside a value already masked.
    if (match.index < done || !isSecretQueryName(name)) continue;
    const start = match.index + whole.length;
    const length = text.slice(start).search(QUERY_VALUE_END);
    result += `${text.slice(done, start)}${MASK}`;
    done = length < 0 ? text.length : start + length;
  }
  return done === 0 ? text : result + text.slice(done);
}

/**
 * Removes secrets from anything about to be logged: passwords inside URLs, values of secret-named
 * query parameters, values under secret-looking keys, and the exact secret values this process was
 * given (so a secret that leaks into an error message from a driver is still masked).
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
    let result = redactQuery(text.replace(URL_CREDENTIALS_ALL, `$1${MASK}@`));
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
