import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { UnsupportedMediaTypeException } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';

/** What Fastify reads the body through: it checks Content-Length against the encoded bytes. */
type DecodedStream = Readable & { receivedEncodedLength: number };

function decoderFor(encoding: string): Readable & NodeJS.WritableStream {
  if (encoding === 'gzip' || encoding === 'x-gzip') return createGunzip();
  if (encoding === 'deflate') return createInflate();
  return createBrotliDecompress();
}

const SUPPORTED: readonly string[] = ['gzip', 'x-gzip', 'deflate', 'br'];

/**
 * Compressed request bodies (`Content-Encoding: gzip | deflate | br`), as Express's body parser
 * accepted them: a client posting 5,000 candles per timeframe can send a tenth of the bytes.
 * Fastify applies `bodyLimit` to the decoded bytes, so a small bomb is a 413; a body that does
 * not decompress is a 400 (Fastify marks stream errors as the client's); any other encoding 415.
 */
export function installBodyDecoding(fastify: FastifyInstance): void {
  fastify.addHook('preParsing', (request, _reply, payload, done) => {
    const header = request.headers['content-encoding'];
    const encoding = (Array.isArray(header) ? header.join(',') : (header ?? 'identity')).trim().toLowerCase();
    if (encoding === 'identity' || encoding === '') {
      done(null, payload);
      return;
    }
    if (!SUPPORTED.includes(encoding)) {
      done(
        new UnsupportedMediaTypeException(
          `Content-Encoding ${encoding.slice(0, 40)} is not supported (gzip, deflate, br or none)`,
        ),
      );
      return;
    }
    const decoder = decoderFor(encoding) as unknown as DecodedStream;
    decoder.receivedEncodedLength = 0;
    payload.on('data', (chunk: Buffer) => {
      decoder.receivedEncodedLength += chunk.length;
    });
    payload.on('error', (error: Error) => decoder.destroy(error));
    payload.pipe(decoder as unknown as NodeJS.WritableStream);
    done(null, decoder);
  });
}
