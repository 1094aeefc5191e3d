import { Transform, type TransformCallback } from 'node:stream';
import { createGunzip, type Gunzip } from 'node:zlib';
import type { FastifyInstance, FastifyRequest, preParsingAsyncHookHandler } from 'fastify';
import { AppError } from '../../domain/errors.js';

/**
 * A gzip request body, inflated as it arrives and bounded twice: the bytes received (the wire)
 * and the bytes inflated each stop at the body limit with 413 as soon as they pass it, so a small
 * body that would inflate to gigabytes (a "zip bomb") and a valid body followed by a gigabyte of
 * padding both cost at most `limit` bytes. Data after the end of the gzip stream is refused (400):
 * zlib ignores trailing zero bytes, which would let a client stream them for as long as it likes.
 * Concatenated gzip members (RFC 1952 2.2) are one stream and allowed.
 */
class GzipBody extends Transform {
  /** Bytes received from the client; Fastify compares them with Content-Length. */
  receivedEncodedLength = 0;
  private inflated = 0;
  private readonly gunzip: Gunzip = createGunzip();

  constructor(private readonly limit: number) {
    super();
    this.gunzip.on('data', (chunk: Buffer) => {
      this.inflated += chunk.length;
      if (this.inflated > this.limit) this.destroy(new AppError('BODY_TOO_LARGE'));
      else this.push(chunk);
    });
    this.gunzip.on('error', (error) =>
      this.destroy(new AppError('BODY_CORRUPT', undefined, { cause: error })),
    );
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.receivedEncodedLength += chunk.length;
    if (this.receivedEncodedLength > this.limit) {
      callback(new AppError('BODY_TOO_LARGE'));
      return;
    }
    // The write's callback runs once zlib has taken what it wants of the chunk: all of it, unless
    // the gzip stream ended inside it.
    this.gunzip.write(chunk, (error) => {
      if (error || this.destroyed) return; // the error listener answers
      if (this.gunzip.bytesWritten < this.receivedEncodedLength) callback(new AppError('BODY_TRAILING_DATA'));
      else callback();
    });
  }

  override _flush(callback: TransformCallback): void {
    // An empty body is no body, gzip or not.
    if (this.receivedEncodedLength === 0) {
      callback();
      return;
    }
    // A truncated stream fails here, in the gunzip's error listener, with 400.
    this.gunzip.once('end', () => callback());
    this.gunzip.end();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.gunzip.destroy();
    callback(error);
  }
}

/**
 * Request bodies before the route sees them: their encoding (`decodeBody`), and what an empty body
 * means (the parsers, and `emptyBodyAsObject`).
 *
 * `Content-Encoding: gzip` bodies (docs/CONTRACT.md §2) are inflated as a stream in the preParsing hook
 * (GzipBody); identity is passed through; any other encoding is 415. @fastify/compress can inflate
 * too, but it keeps inflating (and discarding) past the body limit, which is what this refuses.
 *
 * An empty body is no body, whatever Content-Type says: clients generated from Zuora's Swagger send
 * `Content-Type: application/json` on every call, bodyless PUTs and DELETEs included. A route that
 * takes a body then sees an empty object, and names its first missing field (category 22).
 */
export function installBodyParsers(app: FastifyInstance): void {
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') done(null, undefined);
    // The default parser answers through `done`; its type also allows a promise, which it never returns.
    else void json(request, body as string, done);
  });
  // Any other type (or none, with a chunked body): empty is no body, anything else is 415.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body: Buffer, done) => {
    if (body.length === 0) done(null, undefined);
    else done(new AppError('MEDIA_TYPE_UNSUPPORTED'), undefined);
  });
}

/** A route that takes a body and was sent none sees `{}`. */
export async function emptyBodyAsObject(request: FastifyRequest): Promise<void> {
  if ((request.body === undefined || request.body === null) && request.routeOptions.schema?.body) {
    request.body = {};
  }
}

/** The preParsing step: the body's encoding, gzip inflated as it arrives. */
export function decodeBody(bodyLimit: number): preParsingAsyncHookHandler {
  return async function decodeBody(request, _reply, payload) {
    const encoding = request.headers['content-encoding']?.trim().toLowerCase();
    if (encoding === undefined || encoding === '' || encoding === 'identity') return payload;
    if (encoding !== 'gzip' && encoding !== 'x-gzip') throw new AppError('CONTENT_ENCODING_UNSUPPORTED');
    // As Fastify would for any body, but before anything is inflated.
    if (Number(request.headers['content-length']) > bodyLimit) throw new AppError('BODY_TOO_LARGE');
    const body = new GzipBody(bodyLimit);
    payload.on('error', (error) => body.destroy(error));
    // Fastify listens only while it reads: an error after it answered must not go unhandled.
    body.on('error', () => {});
    return payload.pipe(body);
  };
}
