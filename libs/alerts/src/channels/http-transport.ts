import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { OutgoingRequest } from './channel-requests.js';

/** A channel's answer: its status, the start of its body, and how long it asked us to wait. */
export interface ChannelAnswer {
  readonly status: number;
  /** At most ANSWER_BODY_LIMIT bytes of it, for the error recorded on a refusal. */
  readonly body: string;
  /** Its `Retry-After` header (seconds or an HTTP date), or null. */
  readonly retryAfter: string | null;
}

/** Sends one request; rejects on a network error or when `signal` aborts (the attempt's timeout). */
export type AlertTransport = (request: OutgoingRequest, signal: AbortSignal) => Promise<ChannelAnswer>;

const ANSWER_BODY_LIMIT = 2048;

/** How long a `Retry-After` asks to wait from `now`, in ms; null when absent or unreadable. */
export function retryAfterMs(value: string | null, now: number): number | null {
  if (value === null || value.trim() === '') return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/**
 * POSTs over node:http(s), one connection per request (no agent keeps sockets open between the
 * rare deliveries). Reads at most ANSWER_BODY_LIMIT bytes of the answer and drops the rest.
 */
export const httpTransport: AlertTransport = (outgoing, signal) =>
  new Promise<ChannelAnswer>((resolve, reject) => {
    const url = new URL(outgoing.url);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const body = Buffer.from(outgoing.body, 'utf8');
    const request = send(url, {
      method: 'POST',
      agent: false,
      signal,
      headers: { ...outgoing.headers, 'Content-Length': String(body.length), Connection: 'close' },
    });
    request.on('error', reject);
    request.on('response', (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        if (size < ANSWER_BODY_LIMIT) chunks.push(chunk);
        size += chunk.length;
      });
      response.on('error', reject);
      response.on('end', () => {
        resolve({
          status: response.statusCode ?? 0,
          body: Buffer.concat(chunks).subarray(0, ANSWER_BODY_LIMIT).toString('utf8'),
          retryAfter: response.headers['retry-after'] ?? null,
        });
      });
    });
    request.end(body);
  });
