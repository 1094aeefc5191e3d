import { randomBytes } from 'node:crypto';
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
};

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
  return new AppError('INTERNAL', undefined, { cause: error });
}

/** The one place that knows Zuora's error envelope (REFERENCE.md §3): the status, headers and body of an error. */
export function errorResponse(
  request: FastifyRequest,
  appError: AppError,
): { status: number; headers: Readonly<Record<string, string>>; body: string } {
  const processId = randomBytes(8).toString('hex').toUpperCase();
  // Before Zuora-Version 2024-05-20 errors answer HTTP 200 with success:false (REFERENCE.md §2).
  const version = request.apiVersion ?? request.tenantApiVersion;
  const status = version && !version.errorStatuses ? 200 : appError.spec.status;
  // A string, so that no route's 200 response schema reshapes the envelope.
  const body = JSON.stringify({
    success: false,
    processId,
    reasons: [{ code: reasonCode(appError.spec), message: appError.message }],
  });
  return { status, headers: appError.headers, body };
}

export function sendError(request: FastifyRequest, reply: FastifyReply, appError: AppError) {
  const { status, headers, body } = errorResponse(request, appError);
  return reply.headers(headers).code(status).type('application/json; charset=utf-8').send(body);
}

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const appError = toAppError(error);
    if (appError.code === 'INTERNAL' || appError.code === 'UNAVAILABLE') {
      // Logged with the request id (reqId) and track id; the client sees only the generic message.
      request.log.error({ err: error, trackId: request.trackId }, 'request failed');
    }
    // A lost race (50) or an unreachable database (61) says nothing about the request itself:
    // retrying it with the same Idempotency-Key must run it again, not replay this answer.
    if (appError.spec.category === 50 || appError.spec.category === 61) request.retryable = true;
    return sendError(request, reply, appError);
  });
}
