import { randomBytes, randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorCode, reasonCode } from '../domain/errors.js';

interface ValidationIssue {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

/** Fastify's own error codes, as the catalogue names them. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'MEDIA_TYPE_UNSUPPORTED',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_BAD_URL: 'URL_INVALID',
  FST_ERR_MAX_PARAM_LENGTH: 'PARAMETER_TOO_LONG',
};

/** A 4xx status raised by Fastify or a plugin (e.g. the /docs static files) keeps its status. */
const CLIENT_STATUSES: Record<number, ErrorCode> = {
  400: 'CLIENT_ERROR',
  401: 'TOKEN_MISSING',
  403: 'FORBIDDEN',
  404: 'ROUTE_NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  408: 'REQUEST_TIMEOUT',
  411: 'LENGTH_REQUIRED',
  412: 'PRECONDITION_FAILED',
  413: 'BODY_TOO_LARGE',
  414: 'PARAMETER_TOO_LONG',
  415: 'MEDIA_TYPE_UNSUPPORTED',
  416: 'RANGE_NOT_SATISFIABLE',
  417: 'EXPECTATION_UNSUPPORTED',
  429: 'RATE_LIMITED',
  431: 'HEADERS_TOO_LARGE',
};

/** How much of a value a client sent an error message repeats: a prefix, never the whole. */
export const ECHO_MAX_CHARACTERS = 64;
/** No error message is longer, whatever it repeats. */
export const MESSAGE_MAX_CHARACTERS = 400;

function prefix(text: string, max: number): string {
  const characters = Array.from(text); // by code point: no half of a surrogate pair
  return characters.length <= max ? text : `${characters.slice(0, max).join('')}…`;
}

/**
 * Error messages may repeat what the client sent (a locale, an id, a field name); a 100 kB value
 * must not come back. Each quoted value and each run without spaces is cut to its first 64
 * characters and "…", and the whole message to 400: in this one place, for every message.
 */
export function boundMessage(message: string): string {
  const cut = message.replace(/'([^']*)'|\S{65,}/gu, (token, quoted: string | undefined) =>
    quoted === undefined ? prefix(token, ECHO_MAX_CHARACTERS) : `'${prefix(quoted, ECHO_MAX_CHARACTERS)}'`,
  );
  return prefix(cut, MESSAGE_MAX_CHARACTERS);
}

function fromValidation(error: FastifyError): AppError {
  const context = error.validationContext ?? 'body';
  const issue = (error.validation as ValidationIssue[] | undefined)?.[0];
  const where = (path: string) => path.replace(/^\//, '').replaceAll('/', '.');
  if (!issue) return new AppError('VALIDATION_FAILED', error.message);
  if (issue.keyword === 'required') {
    const field = String(issue.params.missingProperty ?? '');
    const name = [where(issue.instancePath), field].filter(Boolean).join('.');
    return context === 'body'
      ? new AppError('FIELD_REQUIRED', `Missing required field: ${name}.`)
      : new AppError('PARAMETER_REQUIRED', `Missing required parameter: ${name}.`);
  }
  if (issue.keyword === 'additionalProperties') {
    const field = String(issue.params.additionalProperty ?? '');
    return new AppError(
      'UNKNOWN_FIELD',
      `Unknown field: ${[where(issue.instancePath), field].filter(Boolean).join('.')}.`,
    );
  }
  if (context === 'body' && issue.instancePath === '' && issue.keyword === 'type') {
    return new AppError('VALIDATION_FAILED', 'The request body must be a JSON object.');
  }
  const field = where(issue.instancePath) || context;
  return new AppError('VALIDATION_FAILED', `Invalid value for ${field}: ${issue.message ?? 'invalid'}.`);
}

/** Turns anything thrown into an AppError; unknown errors become INTERNAL. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) return fromValidation(fastifyError);
  const mapped = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (mapped) return new AppError(mapped);
  if (error instanceof SyntaxError && fastifyError.statusCode === 400) return new AppError('MALFORMED_JSON');
  const status = fastifyError.statusCode ?? (error as { status?: number } | undefined)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new AppError(CLIENT_STATUSES[status] ?? 'CLIENT_ERROR', undefined, { cause: error });
  }
  return new AppError('INTERNAL', undefined, { cause: error });
}

/** The body of Zuora's error envelope (docs/CONTRACT.md §3). */
function envelope(appError: AppError): string {
  return JSON.stringify({
    success: false,
    processId: randomBytes(8).toString('hex').toUpperCase(),
    reasons: [{ code: reasonCode(appError.spec), message: boundMessage(appError.message) }],
  });
}

/** The one place that knows Zuora's error envelope (docs/CONTRACT.md §3): the status, headers and body of an error. */
export function errorResponse(
  request: FastifyRequest,
  appError: AppError,
): { status: number; headers: Readonly<Record<string, string>>; body: string } {
  // Before Zuora-Version 2024-05-20 errors answer HTTP 200 with success:false (docs/CONTRACT.md §2).
  const version = request.apiVersion ?? request.tenantApiVersion;
  const status = version && !version.errorStatuses ? 200 : appError.spec.status;
  // A string, so that no route's 200 response schema reshapes the envelope.
  return { status, headers: appError.headers, body: envelope(appError) };
}

/**
 * An error answered where there is no Fastify request (a bad Expect header, a malformed HTTP
 * message): the status line, the envelope and a new Zuora-Request-Id, and the connection closes.
 */
export function bareErrorResponse(appError: AppError): {
  status: number;
  headers: Record<string, string | number>;
  body: string;
} {
  const body = envelope(appError);
  return {
    status: appError.spec.status,
    headers: {
      ...appError.headers,
      'Zuora-Request-Id': randomUUID(),
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
      Connection: 'close',
    },
    body,
  };
}

/** Node's clientError codes (llhttp's HPE_* and the server's own) as the catalogue names them. */
function clientErrorCode(code: string | undefined): ErrorCode {
  if (code === 'HPE_HEADER_OVERFLOW') return 'HEADERS_TOO_LARGE';
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'REQUEST_TIMEOUT';
  return 'HTTP_MALFORMED';
}

/**
 * Fastify's clientErrorHandler: a message Node's parser refuses (Content-Length with
 * Transfer-Encoding, two Content-Lengths, bare LF, obs-fold, a space before a colon, headers over
 * 16 KB) gets a complete minimal HTTP response in Zuora's envelope, then the socket closes.
 * A client's fault, not the server's: logged at debug.
 */
export function clientErrorHandler(
  this: { log: FastifyInstance['log'] },
  error: Error & { code?: string },
  socket: Socket,
): void {
  // A reset or already closed connection has no one left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) {
    socket.destroy();
    return;
  }
  this.log.debug({ err: error }, 'malformed HTTP request');
  // A response already started on this connection (pipelining) cannot be followed by another.
  const started = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
  if (socket.writable && !started) {
    const { status, headers, body } = bareErrorResponse(new AppError(clientErrorCode(error.code)));
    const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${lines.join('')}\r\n${body}`);
  }
  socket.destroySoon();
}

/** Fastify's frameworkErrors: a URL that cannot be decoded or routed, answered in the envelope. */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  reply.header('Zuora-Request-Id', request.id);
  return sendError(request, reply, toAppError(error));
}

export function sendError(request: FastifyRequest, reply: FastifyReply, appError: AppError) {
  const { status, headers, body } = errorResponse(request, appError);
  return reply.headers(headers).code(status).type('application/json; charset=utf-8').send(body);
}

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const appError = toAppError(error);
    if (request.raw.aborted || (error as { code?: string }).code === 'ECONNRESET') {
      // The client went away mid-body: nothing failed here, and no one reads the answer.
      request.log.debug({ code: (error as { code?: string }).code }, 'client aborted the request');
    } else if (appError.code === 'INTERNAL' || appError.code === 'UNAVAILABLE') {
      // Logged with the request id (reqId) and track id; the client sees only the generic message.
      request.log.error({ err: error, trackId: request.trackId }, 'request failed');
    }
    // A lost race (50) or an unreachable database (61) says nothing about the request itself:
    // retrying it with the same Idempotency-Key must run it again, not replay this answer.
    if (appError.spec.category === 50 || appError.spec.category === 61) request.retryable = true;
    return sendError(request, reply, appError);
  });
}
