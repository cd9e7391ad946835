import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Fastify from 'fastify';
import request from 'supertest';
import { decodeBody, installBodyDecoding } from './body-decoding.js';

/** Zeros compress about 1,000 to 1: 16 MiB of them is a 16 KB gzip "bomb". */
const BOMB_DECODED = 16 * 1024 * 1024;
const bomb = gzipSync(Buffer.alloc(BOMB_DECODED), { level: 9 });
const LIMIT = 64 * 1024;

/** Writes `bytes` into `raw` in 1 KB chunks, as a socket delivers them, yielding between chunks. */
async function feed(raw: PassThrough, bytes: Buffer): Promise<void> {
  for (let at = 0; at < bytes.length; at += 1024) {
    raw.write(bytes.subarray(at, at + 1024));
    await new Promise((resolve) => setImmediate(resolve));
  }
  raw.end();
}

describe('decodeBody', () => {
  it.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
  ] as const)('passes a %s body through whole, counting the encoded bytes', async (encoding, compress) => {
    const text = JSON.stringify({ candles: Array.from({ length: 500 }, (_, i) => ({ t: i })) });
    const encoded = compress(Buffer.from(text));
    const raw = new PassThrough();
    const body = decodeBody(raw, encoding, LIMIT);
    const chunks: Buffer[] = [];
    body.on('data', (chunk: Buffer) => chunks.push(chunk));
    await Promise.all([feed(raw, encoded), once(body, 'end')]);

    expect(Buffer.concat(chunks).toString('utf8')).toBe(text);
    expect(body.receivedEncodedLength).toBe(encoded.length);
    expect(body.decodedLength).toBe(Buffer.byteLength(text));
  });

  it('stops inflating a bomb at the limit with a 413, and drains the rest of it unread', async () => {
    const raw = new PassThrough();
    const body = decodeBody(raw, 'gzip', LIMIT);
    let read = 0;
    body.on('data', (chunk: Buffer) => (read += chunk.length));
    const failed = once(body, 'error') as Promise<[Error & { statusCode?: number; code?: string }]>;
    const fed = feed(raw, bomb);

    const [error] = await failed;
    const inflatedAtError = body.inflatedLength;
    await fed;
    if (!raw.readableEnded) await once(raw, 'end');

    expect({ statusCode: error.statusCode, code: error.code }).toEqual({
      statusCode: 413,
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
    });
    expect(read).toBeLessThanOrEqual(LIMIT);
    // Every byte of the bomb was received (the request is drained for the next one on the
    // connection), but the decoder stopped where the limit was passed: nothing more was inflated.
    expect(body.receivedEncodedLength).toBe(bomb.length);
    expect(body.inflatedLength).toBe(inflatedAtError);
    expect(body.inflatedLength).toBeLessThan(bomb.length / 4);
  });

  it('reports a corrupt stream once, and an error after the reader has gone crashes nothing', async () => {
    const raw = new PassThrough();
    const body = decodeBody(raw, 'gzip', BOMB_DECODED);
    body.resume();
    const failed = once(body, 'error') as Promise<[Error]>;
    raw.end(Buffer.from('not gzip at all'));

    const [error] = await failed;
    expect(error.message).toBe('incorrect header check');
    // No reader left: a late error is absorbed by the decoder's own listener.
    body.destroy(new Error('late'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(body.destroyed).toBe(true);
  });
});

describe('installBodyDecoding', () => {
  const app = Fastify({ bodyLimit: LIMIT });
  installBodyDecoding(app);
  app.post('/echo', (request) => ({ length: JSON.stringify(request.body).length }));
  app.post('/small', { bodyLimit: 1024 }, (request) => ({ length: JSON.stringify(request.body).length }));
  beforeAll(() => app.listen({ port: 0, host: '127.0.0.1' }));
  afterAll(() => app.close());

  const post = (url: string, payload: Buffer, encoding: string): request.Test =>
    request(app.server)
      .post(url)
      .set({ 'Content-Type': 'application/json', 'Content-Encoding': encoding })
      // superagent would serialise a Buffer to JSON under a JSON content type.
      .serialize((value: unknown) => value as string)
      .send(payload);

  it('answers a bomb 413 against the route’s own body limit, and a good body as usual', async () => {
    const json = Buffer.from(JSON.stringify({ values: Array.from({ length: 300 }, (_, i) => i) }));

    expect((await post('/echo', gzipSync(json), 'gzip')).body).toEqual({ length: json.length });
    expect((await post('/small', gzipSync(json), 'gzip')).status).toBe(413);
    expect((await post('/echo', bomb, 'gzip')).status).toBe(413);
    expect((await post('/echo', gzipSync(json), 'compress')).status).toBe(415);
  });
});
