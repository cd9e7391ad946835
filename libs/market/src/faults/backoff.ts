// Shared with the LLM client; kept importable from here for the exchange code.
export { type BackoffPolicy, backoffDelay } from '@app/contracts';

/**
 * The wait a server asked for: `Retry-After` in seconds or as an HTTP date (RFC 9110 §10.2.3),
 * or Bybit's `X-Bapi-Limit-Reset-Timestamp` (ms epoch). Null when absent or unreadable.
 */
export function retryAfterMs(headers: Readonly<Record<string, unknown>>, now: number): number | null {
  const value = headerValue(headers, 'retry-after');
  if (value !== null) {
    if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
    const at = Date.parse(value);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  const reset = headerValue(headers, 'x-bapi-limit-reset-timestamp');
  if (reset !== null && /^\d+$/.test(reset)) return Math.max(0, Number(reset) - now);
  return null;
}

function headerValue(headers: Readonly<Record<string, unknown>>, name: string): string | null {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    const text = Array.isArray(value) ? String(value[0]) : String(value);
    return text.trim();
  }
  return null;
}
