import { describe, expect, it } from '@jest/globals';
import { SecretRedactor } from './redaction.js';

describe('SecretRedactor', () => {
  const redactor = new SecretRedactor(['s3cr3t-pass', 'sk-abcdef', 'ab']);

  it('masks passwords inside URLs, known or not', () => {
    expect(redactor.redactText('connecting to mongodb://app:whatever@db:27017/x')).toBe(
      'connecting to mongodb://app:***@db:27017/x',
    );
    expect(redactor.redactText('redis://:pw123@cache:6379 and rediss://u:p@h')).toBe(
      'redis://:***@cache:6379 and rediss://u:***@h',
    );
  });

  it('masks the secret values it was given wherever they appear', () => {
    expect(redactor.redactText('driver said: auth failed for s3cr3t-pass (key sk-abcdef)')).toBe(
      'driver said: auth failed for *** (key ***)',
    );
  });

  it('leaves very short secrets to the other rules instead of masking ordinary text', () => {
    expect(redactor.redactText('about a cab')).toBe('about a cab');
  });

  it('masks values under secret-looking keys in objects, and strings deep inside', () => {
    expect(
      redactor.redact({
        user: 'u',
        password: 'x',
        nested: { apiKey: 'k', url: 'mongodb://u:p@h' },
        list: ['sk-abcdef'],
      }),
    ).toEqual({
      user: 'u',
      password: '***',
      nested: { apiKey: '***', url: 'mongodb://u:***@h' },
      list: ['***'],
    });
  });

  it('masks error messages and stacks without changing the original error', () => {
    const error = new Error('cannot reach mongodb://u:s3cr3t-pass@h');
    const redacted = redactor.redact(error) as Error;

    expect(redacted.message).toBe('cannot reach mongodb://u:***@h');
    expect(redacted.stack).not.toContain('s3cr3t-pass');
    expect(error.message).toContain('s3cr3t-pass');
  });

  it('survives circular structures', () => {
    const value: Record<string, unknown> = { a: 1 };
    value.self = value;

    expect(redactor.redact(value)).toEqual({ a: 1, self: '[Circular]' });
  });
});
