import { Transform, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../domain/errors.js';

/**
 * Stops inflating as soon as the output passes the limit: a small gzip body that would inflate to
 * gigabytes (a "zip bomb") costs at most `limit` bytes of memory and the work to produce them.
 */
class InflateLimit extends Transform {
  private received = 0;
  constructor(private readonly limit: number) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.received += chunk.length;
    if (this.received > this.limit) {
      callback(new AppError('BODY_TOO_LARGE'));
      return;
    }
    callback(null, chunk);
  }
}

/**
 * `Content-Encoding: gzip` request bodies (REFERENCE.md §2), inflated as a stream in the preParsing
 * hook. identity is passed through; any other encoding is 415. @fastify/compress can inflate too,
 * but it keeps inflating (and discarding) past the body limit, which is what this refuses.
 */
export function registerRequestDecoding(app: FastifyInstance, bodyLimit: number): void {
  app.addHook('preParsing', async (request, _reply, payload) => {
    const encoding = request.headers['content-encoding']?.trim().toLowerCase();
    if (encoding === undefined || encoding === '' || encoding === 'identity') return payload;
    if (encoding !== 'gzip' && encoding !== 'x-gzip') throw new AppError('CONTENT_ENCODING_UNSUPPORTED');

    // The inflated length is unknown: Fastify must not compare it with the gzip Content-Length.
    delete request.headers['content-length'];
    const gunzip = createGunzip();
    const limit = new InflateLimit(bodyLimit);
    gunzip.on('error', (error) => {
      limit.destroy(new AppError('BODY_CORRUPT', undefined, { cause: error }));
    });
    limit.on('error', () => {
      payload.unpipe(gunzip);
      gunzip.destroy();
    });
    payload.pipe(gunzip).pipe(limit);
    return limit;
  });
}
