import { randomUUID } from 'node:crypto';
import { IncomingMessage, type Server, ServerResponse, STATUS_CODES } from 'node:http';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';
import { errorMessage } from '@app/contracts';

/** A header and its value, as helmet sets it. */
export type HeaderPair = readonly [name: string, value: string];

/**
 * helmet's headers for the gateway, computed once: with no per-request function among its options
 * (no CSP nonce) they are the same for every answer, so each request costs a dozen `setHeader`s
 * instead of helmet's middleware chain (@fastify/helmet, rebuilding it per request, was 9 % of a
 * GET's CPU). The docs page loads its own scripts and styles; everything else gets helmet's strict
 * defaults.
 */
export function gatewaySecurityHeaders(): readonly HeaderPair[] {
  const middleware = helmet({
    contentSecurityPolicy: {
      directives: { 'script-src': ["'self'", "'unsafe-inline'"], 'img-src': ["'self'", 'data:'] },
    },
  });
  const probe = new ServerResponse(new IncomingMessage(new Socket()));
  middleware(probe.req, probe, (error?: unknown) => {
    // Only a bad option fails, at boot: the gateway must not start without its headers.
    if (error !== undefined) throw error instanceof Error ? error : new Error(errorMessage(error));
  });
  return Object.entries(probe.getHeaders()).map(([name, value]): HeaderPair => [name, String(value)]);
}

/** Node's parser refusals (`clientError`) and what each is answered with. */
function clientErrorStatus(code: string | undefined): number {
  if (code === 'HPE_HEADER_OVERFLOW') return 431;
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  return 400;
}

/**
 * The answer to a request Node's HTTP parser refused (a malformed request line or header, headers
 * past `maxHeaderSize`, a request too slow to arrive), written on the socket as Fastify's default
 * handler does, but in the gateway's error shape, with a request id and the security headers.
 */
function clientErrorAnswer(status: number, headers: readonly HeaderPair[]): string {
  const requestId = randomUUID();
  const error = STATUS_CODES[status] ?? 'Bad Request';
  const body = JSON.stringify({
    statusCode: status,
    error,
    message: status === 400 ? 'malformed HTTP request' : error,
    requestId,
  });
  const lines = [
    `HTTP/1.1 ${status} ${error}`,
    ...headers.map(([name, value]) => `${name}: ${value}`),
    `X-Request-Id: ${requestId}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
  ];
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

/**
 * Every answer of the gateway's HTTP server carries the same security headers, whoever answers:
 * they are set on the raw response by a `request` listener that runs before Fastify's (and before
 * engine.io's, which wraps the listeners it finds when it attaches), so the 400s Fastify's router
 * answers before any hook (bad percent-encoding, an over-long path segment), refusals of an early
 * hook, 404s and Socket.IO's polling answers have them as a controller's 200 does; Fastify and
 * engine.io merge headers set so into their own. Requests Node's parser refuses never become a
 * `request`: their `clientError` answer is written here, with the same headers.
 *
 * Installed when Fastify is ready: by then `app.init()` has attached engine.io, so the listener
 * goes in front of its wrapper rather than inside it.
 */
export function installSecurityHeaders(fastify: FastifyInstance, headers: readonly HeaderPair[]): void {
  const setHeaders = (_request: IncomingMessage, response: ServerResponse): void => {
    for (const [name, value] of headers) response.setHeader(name, value);
  };
  const onClientError = (error: NodeJS.ErrnoException, socket: Duplex): void => {
    // A reset connection, or one already closed: nobody to answer.
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    if (socket.writable) socket.write(clientErrorAnswer(clientErrorStatus(error.code), headers));
    socket.destroy(error);
  };
  fastify.addHook('onReady', (done) => {
    const server: Server = fastify.server;
    server.prependListener('request', setHeaders);
    // In place of Fastify's default handler (the same answers, without the headers).
    server.removeAllListeners('clientError');
    server.on('clientError', onClientError);
    done();
  });
}
