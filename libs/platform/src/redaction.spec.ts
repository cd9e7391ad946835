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

  it('masks the values of secret-named query parameters in a logged URL, and only those', () => {
    expect(
      redactor.redactText('GET /v1/markets?timeframe=1m&api_key=ck_live-123&limit=5 401 0.4 ms requestId=r1'),
    ).toBe('GET /v1/markets?timeframe=1m&api_key=***&limit=5 401 0.4 ms requestId=r1');
    expect(
      redactor.redactText('/a?apiKey=k1&X-API-Key=k2&access_token=k3&password=k4&key=k5&sig=k6#top'),
    ).toBe('/a?apiKey=***&X-API-Key=***&access_token=***&password=***&key=***&sig=***#top');
    expect(redactor.redactText('/a?symbol=BTC&monkey=1&keys=2&token_type=bearer')).toBe(
      '/a?symbol=BTC&monkey=1&keys=2&token_type=bearer',
    );
  });

  it('finds a secret query name however it is spelt or hidden', () => {
    // Percent-encoded names, array syntax, mixed case.
    expect(redactor.redactText('/a?api%5Fkey=k1&API_KEY=k2&token[]=k3&%61pi_key=k4')).toBe(
      '/a?api%5Fkey=***&API_KEY=***&token[]=***&%61pi_key=***',
    );
    // A secret after a `?` inside another parameter's value, and a value holding `?`, `"` or `=`.
    expect(redactor.redactText('/a?next=/b?token=k1&x=1')).toBe('/a?next=/b?token=***&x=1');
    expect(redactor.redactText('/a?api_key=k1?still"k1=k1 200')).toBe('/a?api_key=*** 200');
    // At the very end of the text, and empty.
    expect(redactor.redactText('GET /a?token=k1')).toBe('GET /a?token=***');
    expect(redactor.redactText('GET /a?token=&b=1')).toBe('GET /a?token=***&b=1');
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
