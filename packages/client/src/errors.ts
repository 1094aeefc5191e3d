// One error class per kind of failure, chosen by Zuora's category: the last two digits of a reason
// code (docs/CONTRACT.md §3). The HTTP status decides only when the body names no category, since a
// Zuora-Version before 2024-05-20 answers every error with HTTP 200 and `success: false`.

/** A reason of Zuora's error envelope. */
export interface ZuoraReason {
  code: number;
  message: string;
}

/** Where and how a request was made, for error messages and logs. */
export interface RequestSummary {
  method: string;
  url: string;
}

/** The base of every error this client throws. */
export class ZuoraError extends Error {
  override name = 'ZuoraError';
}

export interface ZuoraApiErrorInit {
  status: number;
  reasons: ZuoraReason[];
  processId: string | null;
  requestId: string | null;
  trackId: string | null;
  request: RequestSummary;
  /** Seconds, from Retry-After. */
  retryAfter?: number | null;
  body?: unknown;
}

/** Zuora answered with an error (an envelope with `success: false`, or a status of 400 and above). */
export class ZuoraApiError extends ZuoraError {
  override name = 'ZuoraApiError';
  /** The HTTP status as received: 200 for an error answered under a Zuora-Version before 2024-05-20. */
  readonly status: number;
  /** Zuora's category: the last two digits of the first reason's code (10 permission … 90 malformed); null when none. */
  readonly category: number | null;
  /** The first reason's 8-digit code, or null. */
  readonly code: number | null;
  readonly reasons: ZuoraReason[];
  /** Zuora's `processId` (16 hex characters), which identifies the request in Zuora's logs. */
  readonly processId: string | null;
  /** The `Zuora-Request-Id` response header. */
  readonly requestId: string | null;
  /** The `Zuora-Track-Id` this client sent, echoed by the server. */
  readonly trackId: string | null;
  /** Retry-After, in seconds, when the server sent one. */
  readonly retryAfter: number | null;
  readonly request: RequestSummary;
  /** The parsed response body (or its text when it was not JSON). */
  readonly body: unknown;

  constructor(init: ZuoraApiErrorInit) {
    const first = init.reasons[0];
    super(
      `${init.request.method} ${init.request.url}: ${init.status}` +
        (first ? ` ${first.code} ${first.message}` : '') +
        (init.processId ? ` (processId ${init.processId})` : ''),
    );
    this.status = init.status;
    this.reasons = init.reasons;
    this.code = first ? first.code : null;
    this.category = first ? first.code % 100 : null;
    this.processId = init.processId;
    this.requestId = init.requestId;
    this.trackId = init.trackId;
    this.retryAfter = init.retryAfter ?? null;
    this.request = init.request;
    this.body = init.body;
  }
}

/** Category 11 (HTTP 401): a missing, expired or revoked token, or bad client credentials. */
export class AuthenticationError extends ZuoraApiError {
  override name = 'AuthenticationError';
}
/** Category 10 (HTTP 403): the caller may not do this, or may not act in that entity. */
export class PermissionError extends ZuoraApiError {
  override name = 'PermissionError';
}
/** Category 40 (HTTP 404): no such entity, connection, user or path. */
export class NotFoundError extends ZuoraApiError {
  override name = 'NotFoundError';
}
/**
 * Categories 20, 21, 22, 23, 30, 45 and 90 (HTTP 400, 405, 413, 415, 422): a bad value, an unknown or
 * missing field, a broken rule, an unsupported method or media type, malformed JSON, or an
 * Idempotency-Key reused for another request.
 */
export class ValidationError extends ZuoraApiError {
  override name = 'ValidationError';
}
/** Category 50 (HTTP 409): lock contention, or the same Idempotency-Key still running. Retried. */
export class ConflictError extends ZuoraApiError {
  override name = 'ConflictError';
}
/** Category 70 (HTTP 429): over a rate or concurrency limit. Retried when Retry-After is given. */
export class RateLimitError extends ZuoraApiError {
  override name = 'RateLimitError';
}
/** Categories 60 and 61 (HTTP 5xx): an internal or temporary error. Retried on 500, 502, 503, 504. */
export class ServerError extends ZuoraApiError {
  override name = 'ServerError';
}

/** No answer: the connection failed, was dropped, or the attempt timed out. */
export class ZuoraConnectionError extends ZuoraError {
  override name = 'ZuoraConnectionError';
  readonly request: RequestSummary;
  /** True when the attempt ran past `timeoutMs`. */
  readonly timedOut: boolean;
  constructor(request: RequestSummary, cause: unknown, timedOut: boolean) {
    super(
      `${request.method} ${request.url}: ${timedOut ? 'timed out' : `no response (${describe(cause)})`}`,
      { cause },
    );
    this.request = request;
    this.timedOut = timedOut;
  }
}

function describe(cause: unknown): string {
  if (cause instanceof Error) {
    const inner = (cause as { cause?: unknown }).cause;
    const code = inner && typeof inner === 'object' ? (inner as { code?: unknown }).code : undefined;
    return typeof code === 'string' ? `${cause.message}: ${code}` : cause.message;
  }
  return String(cause);
}

type ApiErrorClass = new (init: ZuoraApiErrorInit) => ZuoraApiError;

/**
 * Each class, the categories it stands for, and the status Zuora answers them with from 2024-05-20
 * on. A category not listed is a validation error (HTTP 400).
 */
const CLASSES: readonly { Class: ApiErrorClass; categories: readonly number[]; status: number }[] = [
  { Class: PermissionError, categories: [10], status: 403 },
  { Class: AuthenticationError, categories: [11], status: 401 },
  { Class: ValidationError, categories: [20, 21, 22, 23, 30, 45, 90], status: 400 },
  { Class: NotFoundError, categories: [40], status: 404 },
  { Class: ConflictError, categories: [50], status: 409 },
  { Class: ServerError, categories: [60, 61], status: 500 },
  { Class: RateLimitError, categories: [70], status: 429 },
];

const ofCategory = (category: number) => CLASSES.find((entry) => entry.categories.includes(category));

function classForStatus(status: number): ApiErrorClass {
  const listed = CLASSES.find((entry) => entry.status === status)?.Class;
  if (listed) return listed;
  if (status >= 500) return ServerError;
  if (status >= 400) return ValidationError;
  return ZuoraApiError;
}

/** The error for an answer: by the category of its first reason, else by its HTTP status. */
export function apiError(init: ZuoraApiErrorInit): ZuoraApiError {
  const first = init.reasons[0];
  const Class = (first ? ofCategory(first.code % 100)?.Class : undefined) ?? classForStatus(init.status);
  return new Class(init);
}

/** The status Zuora gives a category from 2024-05-20 on: what an HTTP-200 error would have been. */
export function statusOfCategory(category: number | null): number | null {
  return category === null ? null : (ofCategory(category)?.status ?? 400);
}
