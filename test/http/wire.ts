import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import type { FastifyInstance } from 'fastify';

/** Requests over a real socket, for what app.inject cannot send: framing, chunking, raw bytes. */

export interface WireResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * Listens on a port the system picks, unless the app listens already (an app shared by the tests of
 * a describe); the app's close stops it.
 */
export async function listen(app: FastifyInstance): Promise<number> {
  if (!app.server.listening) await app.listen({ port: 0, host: '127.0.0.1' });
  return (app.server.address() as AddressInfo).port;
}

/**
 * node's http client: headers go out as given. `chunked` sends the body (or nothing) with
 * `Transfer-Encoding: chunked`; otherwise Content-Length is the body's length (0 for none).
 */
export function send(
  port: number,
  options: {
    method: string;
    path: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    chunked?: boolean;
  },
): Promise<WireResponse> {
  const body = options.body ?? '';
  const framing = options.chunked
    ? { 'transfer-encoding': 'chunked' }
    : { 'content-length': String(Buffer.byteLength(body)) };
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: options.method,
        path: options.path,
        headers: { ...options.headers, ...framing },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body.length > 0 ? body : undefined);
  });
}

/**
 * Raw bytes on a new socket; resolves with what the server sent once it closed the connection or
 * sent one complete response (a head and Content-Length bytes of body), whichever comes first.
 */
export function rawExchange(
  port: number,
  bytes: string | Buffer,
  timeoutMs = 5000,
  options: { end?: boolean } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server did not close the connection within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const text = Buffer.concat(chunks).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end));
      if (end > 0 && length && text.length >= end + 4 + Number(length[1])) socket.destroy();
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    // A server that answers and closes before reading everything may reset the connection.
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') reject(error);
    });
    // end: nothing more will come (a message cut short is then the server's to refuse, not to wait for).
    if (options.end) socket.end(bytes);
    else socket.write(bytes);
  });
}

/** The first HTTP response in raw bytes: status, headers (lower-cased names), body. */
export function parseResponse(raw: string): WireResponse {
  const end = raw.indexOf('\r\n\r\n');
  assert.ok(end > 0, `no complete HTTP response head in ${JSON.stringify(raw.slice(0, 200))}`);
  const [statusLine = '', ...lines] = raw.slice(0, end).split('\r\n');
  const status = Number(statusLine.split(' ')[1]);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = raw.slice(end + 4);
  if (headers['content-length'] !== undefined) body = body.slice(0, Number(headers['content-length']));
  return { status, headers, body };
}

/** Zuora's envelope (docs/CONTRACT.md §3), exactly, with a Zuora-Request-Id; returns the reason code. */
export function assertWireEnvelope(res: WireResponse, status: number, code?: number): number {
  assert.equal(res.status, status, res.body);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  assert.match(String(res.headers['zuora-request-id']), /^[0-9a-f-]{36}$/);
  const body = JSON.parse(res.body);
  assert.deepEqual(Object.keys(body).sort(), ['processId', 'reasons', 'success']);
  assert.equal(body.success, false);
  assert.match(body.processId, /^[0-9A-F]{16}$/);
  assert.equal(body.reasons.length, 1);
  assert.equal(typeof body.reasons[0].message, 'string');
  if (code !== undefined) assert.equal(body.reasons[0].code, code, res.body);
  return body.reasons[0].code;
}
