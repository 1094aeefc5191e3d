/**
 * The one error catalogue. Every expected failure in the service is an `AppError` carrying a code
 * from this table; only the HTTP error handler turns it into Zuora's wire envelope.
 *
 * Zuora's reason codes are a 6-digit resource code followed by a 2-digit category
 * (docs/CONTRACT.md §3). We use resource code 500000 ("no particular field") for every code of this API;
 * authentication failures use Zuora's own 9xxxxxxx codes.
 */

/** Zuora error categories (docs/CONTRACT.md §3). */
export type ErrorCategory = 10 | 11 | 20 | 21 | 22 | 23 | 30 | 40 | 45 | 50 | 60 | 61 | 70 | 90;

export interface ErrorSpec {
  readonly status: number;
  readonly category: ErrorCategory;
  /** Zuora's 8-digit reason code; defaults to 500000 followed by the category. */
  readonly reason?: number;
  readonly message: string;
}

/**
 * The shapes most codes share, by what went wrong: a category with the status Zuora answers it with.
 * A code of any other category or status spells its spec out.
 */
const unauthenticated = (message: string): ErrorSpec => ({
  status: 401,
  category: 11,
  reason: 90000011,
  message,
});
const denied = (message: string): ErrorSpec => ({ status: 403, category: 10, message });
const invalid = (message: string): ErrorSpec => ({ status: 400, category: 20, message });
const brokenRule = (message: string): ErrorSpec => ({ status: 400, category: 30, message });
const notFound = (message: string): ErrorSpec => ({ status: 404, category: 40, message });
const malformed = (message: string): ErrorSpec => ({ status: 400, category: 90, message });

// `satisfies` keeps the literal keys (so ErrorCode is a closed union) while the compiler checks that
// every entry has a status, a category and a message.
export const errorCatalogue = {
  // Authentication (category 11, Zuora's 90000011 "invalid credentials").
  INVALID_CLIENT: unauthenticated('Invalid client credentials.'),
  TOKEN_MISSING: unauthenticated(
    'Authentication error: a bearer token is required in the Authorization header.',
  ),
  TOKEN_INVALID: unauthenticated('Authentication error: the bearer token is invalid or has expired.'),
  // The admin API's operator token (docs/ADMIN-API.md).
  OPERATOR_TOKEN_MISSING: unauthenticated(
    'Authentication error: the admin API needs the operator token as a bearer token.',
  ),
  OPERATOR_TOKEN_INVALID: denied('Permission denied: the bearer token is not the operator token.'),
  // Admin API resources (TENANT_NOT_FOUND is with the other category 40 codes).
  CLIENT_NOT_FOUND: notFound('The OAuth client does not exist.'),
  TENANT_EXISTS: invalid('A tenant with this id already exists.'),
  CLIENT_ID_TAKEN: invalid('An OAuth client with this client id already exists.'),
  USERNAME_TAKEN: invalid('A user with this username already exists in the tenant.'),
  FIXTURE_INVALID: invalid('Invalid tenant fixture.'),
  TENANT_NOT_RESETTABLE: brokenRule(
    'Only tenants created through the admin API can be reset: this one came from a fixture file.',
  ),
  // Token endpoint form fields.
  CLIENT_CREDENTIALS_CONFLICT: invalid(
    'The client is named twice with different values: in the Authorization header (Basic) and in the form.',
  ),
  BASIC_CREDENTIALS_INVALID: invalid(
    'Invalid Authorization header: Basic credentials are base64 of client_id:client_secret, each form-urlencoded (RFC 6749 2.3.1).',
  ),
  GRANT_TYPE_UNSUPPORTED: invalid("Invalid grant_type: only 'client_credentials' is supported."),
  // Request envelope: headers, body, routing.
  VALIDATION_FAILED: invalid('Invalid value.'),
  UNKNOWN_FIELD: { status: 400, category: 21, message: 'Unknown field.' },
  FIELD_REQUIRED: { status: 400, category: 22, message: 'Missing required field.' },
  PARAMETER_REQUIRED: { status: 400, category: 23, message: 'Missing required parameter.' },
  MALFORMED_JSON: malformed('Malformed request: the body is not valid JSON.'),
  BODY_CORRUPT: malformed('Malformed request: the gzip request body is corrupt.'),
  BODY_TRAILING_DATA: malformed('Malformed request: data follows the end of the gzip request body.'),
  BODY_TOO_LARGE: { status: 413, category: 20, message: 'The request body is too large.' },
  CONTENT_ENCODING_UNSUPPORTED: {
    status: 415,
    category: 45,
    message: "Unsupported Content-Encoding: use 'gzip' or 'identity'.",
  },
  MEDIA_TYPE_UNSUPPORTED: { status: 415, category: 45, message: 'Unsupported media type.' },
  ROUTE_NOT_FOUND: notFound('The requested resource does not exist.'),
  METHOD_NOT_ALLOWED: { status: 405, category: 45, message: 'The method is not allowed on this resource.' },
  // The HTTP message itself: framing, URL, headers (answered before or instead of routing).
  HTTP_MALFORMED: malformed('Malformed request: the HTTP message is not valid.'),
  URL_INVALID: malformed('Malformed request: the URL is not valid (bad percent-encoding).'),
  HOST_REQUIRED: { status: 400, category: 23, message: 'Missing required header: Host (HTTP/1.1).' },
  PARAMETER_TOO_LONG: {
    status: 414,
    category: 20,
    message: 'A path parameter is too long: at most 100 characters.',
  },
  HEADERS_TOO_LARGE: {
    status: 431,
    category: 20,
    message: 'The request line and headers are too large: at most 16 KB in all.',
  },
  EXPECTATION_UNSUPPORTED: {
    status: 417,
    category: 45,
    message: "Unsupported Expect header: only '100-continue' is supported.",
  },
  REQUEST_TIMEOUT: { status: 408, category: 90, message: 'The request was not received in time.' },
  // Other 4xx statuses Fastify or a plugin (the /docs static files) may raise: the status is kept.
  CLIENT_ERROR: invalid('Invalid request.'),
  FORBIDDEN: denied('Permission denied.'),
  NOT_ACCEPTABLE: { status: 406, category: 45, message: 'Not acceptable.' },
  LENGTH_REQUIRED: { status: 411, category: 23, message: 'Missing required header: Content-Length.' },
  PRECONDITION_FAILED: { status: 412, category: 30, message: 'A precondition of the request failed.' },
  RANGE_NOT_SATISFIABLE: { status: 416, category: 20, message: 'The requested range cannot be satisfied.' },
  TRACK_ID_INVALID: invalid(
    'Invalid Zuora-Track-Id: at most 64 US-ASCII characters, none of colon, semicolon, double quote or quote.',
  ),
  VERSION_INVALID: invalid(
    "Invalid Zuora-Version: use a date such as '2024-05-20' or a number such as '211.0'.",
  ),
  // Entity context (docs/CONTRACT.md §2).
  ENTITY_HEADER_REQUIRED: {
    status: 400,
    category: 23,
    message: 'The Zuora-Entity-Ids header is required: the token is valid for more than one entity.',
  },
  ENTITY_HEADER_INVALID: invalid(
    'Invalid Zuora-Entity-Ids header: give one entity id, as 32 hex characters or a UUID.',
  ),
  ENTITY_OUT_OF_SCOPE: denied('Permission denied: the token is not valid for the requested entity.'),
  // Idempotency-Key (docs/CONTRACT.md §7).
  IDEMPOTENCY_KEY_INVALID: invalid('Invalid Idempotency-Key: at most 255 characters.'),
  IDEMPOTENCY_KEY_IN_FLIGHT: {
    status: 409,
    category: 50,
    message: 'A request with this Idempotency-Key is still being processed; retry later.',
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    category: 30,
    message:
      'This Idempotency-Key was already used with another request (method, URL, acting entity, caller, Zuora-Version or body).',
  },
  // Permissions (category 10).
  NOT_ENTITY_ADMIN: denied('Permission denied: you must be an administrator of the entity you act in.'),
  NOT_GLOBAL_ADMIN: denied('Permission denied: you must be an administrator of the global entity.'),
  TARGET_NOT_ACCESSIBLE: denied('Permission denied: you do not have access to the target entity.'),
  USER_ACCESS_DENIED: denied('Permission denied for this user.'),
  NOT_HOME_ENTITY_ADMIN: denied(
    "Permission denied: only an administrator of the user's home entity, acting in it, can request access for the user.",
  ),
  // Not found (category 40).
  ENTITY_NOT_FOUND: notFound('The entity does not exist.'),
  CONNECTION_NOT_FOUND: notFound('The entity connection does not exist.'),
  USER_NOT_FOUND: notFound('The user does not exist.'),
  TENANT_NOT_FOUND: notFound('The tenant does not exist.'),
  FAULT_RULE_NOT_FOUND: notFound('The fault rule does not exist.'),
  // Rule restrictions (category 30).
  CONNECTION_TO_SELF: brokenRule('An entity cannot connect to itself.'),
  CONNECTION_EXISTS: brokenRule(
    'A Pending or Connected connection from this source to this target already exists.',
  ),
  CONNECTION_ACTION_NOT_ALLOWED: brokenRule(
    'This action is not allowed on the connection in its current status.',
  ),
  ENTITY_NOT_PROVISIONED: brokenRule('The entity is not provisioned.'),
  ENTITY_ALREADY_PROVISIONED: brokenRule('The entity is already provisioned.'),
  PARENT_NOT_PROVISIONED: brokenRule('The parent entity is not provisioned.'),
  ENTITY_LIMIT_REACHED: brokenRule('The hierarchy already holds the maximum of 512 entities.'),
  ENTITY_DELETE_PROVISIONED: brokenRule(
    'Only unprovisioned entities can be deleted; this entity or one of its sub-entities is provisioned.',
  ),
  ENTITY_IS_HOME: brokenRule(
    'The entity or one of its sub-entities is the home entity of a user; such an entity cannot be deleted.',
  ),
  GLOBAL_ENTITY_IMMUTABLE: brokenRule('The global entity cannot be changed this way.'),
  ENTITY_FIELD_FROZEN: brokenRule('Locale and timezone of a provisioned entity cannot be changed.'),
  ENTITY_NAME_TAKEN: invalid('An entity with this name already exists.'),
  USER_INACTIVE: brokenRule('The user is not active.'),
  HOME_ENTITY_ACCESS: brokenRule(
    'A user can always access their home entity: that access cannot be requested, accepted or denied.',
  ),
  USER_ACCESS_ACTION_NOT_ALLOWED: brokenRule(
    "This action is not allowed on the user's access in its current status.",
  ),
  // Server side.
  LOCK_CONTENTION: {
    status: 409,
    category: 50,
    message: 'The request conflicted with a concurrent change; retry it.',
  },
  RATE_LIMITED: { status: 429, category: 70, message: 'Too many requests: a rate limit was exceeded.' },
  INTERNAL: { status: 500, category: 60, message: 'An internal error occurred.' },
  UNAVAILABLE: { status: 503, category: 61, message: 'The service is temporarily unavailable; retry later.' },
  // Answers of fault rules: the client sees exactly what INTERNAL and UNAVAILABLE show, but the
  // server does not log them as its own failures.
  INJECTED_INTERNAL: { status: 500, category: 60, message: 'An internal error occurred.' },
  INJECTED_UNAVAILABLE: {
    status: 503,
    category: 61,
    message: 'The service is temporarily unavailable; retry later.',
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof errorCatalogue;

export function reasonCode(spec: ErrorSpec): number {
  return spec.reason ?? 50000000 + spec.category;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly spec: ErrorSpec;
  /** Extra response headers the error implies (Retry-After, WWW-Authenticate, …). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    code: ErrorCode,
    message?: string,
    options?: { headers?: Record<string, string>; cause?: unknown },
  ) {
    const spec: ErrorSpec = errorCatalogue[code];
    super(message ?? spec.message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.spec = spec;
    this.headers = options?.headers ?? {};
  }
}
