import { type Readable, Transform, type TransformCallback } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate, type Zlib } from 'node:zlib';
import { UnsupportedMediaTypeException } from '@nestjs/common';
import { errorCodes, type FastifyInstance } from 'fastify';

type Decoder = Transform & Zlib;

function decoderFor(encoding: string): Decoder {
  if (encoding === 'gzip' || encoding === 'x-gzip') return createGunzip();
  if (encoding === 'deflate') return createInflate();
  return createBrotliDecompress();
}

const SUPPORTED: readonly string[] = ['gzip', 'x-gzip', 'deflate', 'br'];

/**
 * The decoded body as Fastify reads it, cut off at `limit` decoded bytes with Fastify's own 413
 * (its error code, so ErrorsFilter words it as any too-large body).
 */
export class DecodedBody extends Transform {
  /** Fastify checks Content-Length against this: the encoded bytes received. */
  receivedEncodedLength = 0;
  readonly #decoder: Decoder;
  readonly #limit: number;
  #decoded = 0;

  constructor(decoder: Decoder, limit: number) {
    super();
    this.#decoder = decoder;
    this.#limit = limit;
  }

  /** Decoded bytes let through so far (at most `limit`). */
  get decodedLength(): number {
    return this.#decoded;
  }

  /** Encoded bytes the decoder has taken in: how much of the body was inflated. */
  get inflatedLength(): number {
    return this.#decoder.bytesWritten;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.#decoded + chunk.length > this.#limit) {
      callback(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
      return;
    }
    this.#decoded += chunk.length;
    callback(null, chunk);
  }
}

/**
 * `raw` decoded by `encoding`, at most `limit` bytes of it. Past the limit (or on a corrupt
 * stream) the decoder is unhooked and destroyed at once, and the rest of `raw` is drained without
 * being inflated. Fastify's own limit check would answer the same 413 but leave the decoder
 * piped: a 64 MiB bomb was inflated to its end after the answer had gone out.
 */
export function decodeBody(raw: Readable, encoding: string, limit: number): DecodedBody {
  const decoder = decoderFor(encoding);
  const body = new DecodedBody(decoder, limit);
  raw.on('data', (chunk: Buffer) => {
    body.receivedEncodedLength += chunk.length;
  });
  // Stays after Fastify has read (or given up on) the body: an error then has no one else to go to.
  body.on('error', () => {
    raw.unpipe(decoder);
    decoder.destroy();
    // unpipe() paused it: the rest of the request is read and dropped, so the connection can
    // carry the next one.
    raw.resume();
  });
  // pipe() forwards no errors: a corrupt stream (Fastify answers 400) or an aborted request.
  decoder.on('error', (error: Error) => body.destroy(error));
  raw.on('error', (error: Error) => body.destroy(error));
  raw.pipe(decoder).pipe(body);
  return body;
}

/**
 * Compressed request bodies (`Content-Encoding: gzip | deflate | br`), as Express's body parser
 * accepted them: a client posting 5,000 candles per timeframe can send a tenth of the bytes.
 * Decoding stops at the route's body limit (413), before anything is parsed; a body that does
 * not decompress is a 400 (Fastify marks stream errors as the client's); any other encoding 415.
 * Installed after the EndpointGate: a request refused for its key or rate is never inflated.
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
    done(null, decodeBody(payload, encoding, request.routeOptions.bodyLimit));
  });
}
