import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import {
  AuthenticationError,
  apiError,
  statusOfCategory,
  type ZuoraApiError,
  ZuoraConnectionError,
  type ZuoraReason,
} from './errors.js';

/** How a failed attempt is retried. Every bound holds: whichever is reached first ends the retries. */
export interface RetryOptions {
  /** Retries after the first attempt; 0 turns retries off. Default 3. */
  maxRetries?: number;
  /** No retry starts later than this many ms after the first attempt started. Default 30 000. */
  maxRetryTimeMs?: number;
  /** The first backoff, doubled on each retry, with full jitter over its upper half. Default 250. */
  baseDelayMs?: number;
  /** The largest backoff. Default 8 000. */
  maxDelayMs?: number;
}

/** Options of one call; each overrides the client's setting of the same name. */
export interface CallOptions extends RetryOptions {
  /** The entity to act in (`Zuora-Entity-Ids`): 32 hex characters or a UUID. */
  entityId?: string;
  /** `Zuora-Track-Id`: at most 64 US-ASCII characters, none of `: ; " '`. */
  trackId?: string;
  /** The POST's `Idempotency-Key` (at most 255 characters); one is generated when left out. */
  idempotencyKey?: string;
  /** `Zuora-Version`, e.g. `2024-05-20` or `211.0`. */
  zuoraVersion?: string;
  /** Aborts the call, its retries and its waits. */
  signal?: AbortSignal;
  /** Each attempt's limit, in ms. Default 30 000. */
  timeoutMs?: number;
  /** Gzip a JSON body of at least this many bytes (`Content-Encoding: gzip`); false: never. */
  gzipThreshold?: number | false;
  /** More request headers. */
  headers?: Record<string, string>;
}

export interface TransportOptions extends RetryOptions {
  baseUrl: string;
  timeoutMs?: number;
  zuoraVersion?: string;
  gzipThreshold?: number | false;
  headers?: Record<string, string>;
  /** Makes a track id for calls that give none; none is sent when this is absent. */
  trackId?: () => string;
  fetch?: typeof fetch;
  userAgent?: string;
}

/** What a call asks for. */
export interface CallRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** A path (`/v1/entities`) or an absolute URL (a `nextPage`). */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** A form body (`/oauth/token`). */
  form?: Record<string, string>;
  /** Authorization header value, made for each attempt (a token may be refreshed between them). */
  authorization?: () => Promise<string | null>;
  /** Called with the failed credentials after a 401; resolves true when a retry with new ones is worth it. */
  onUnauthorized?: (authorization: string) => boolean;
}

export interface CallResult<T> {
  body: T;
  status: number;
  headers: Headers;
}

const RETRYABLE_STATUSES = new Set([500, 502, 503, 504]);
const ENTITY_ID =
  /^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$/;

/** Throws a TypeError unless `id` is an entity id: 32 hex characters or a UUID. */
export function checkEntityId(id: string): string {
  if (!ENTITY_ID.test(id)) {
    throw new TypeError(`Not an entity id (32 hex characters or a UUID): ${JSON.stringify(id)}`);
  }
  return id;
}

/** Retry-After as seconds (a number of seconds or an HTTP date), or null. */
function retryAfterSeconds(value: string | null): number | null {
  if (value === null) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, (date - Date.now()) / 1000);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

interface Envelope {
  success?: unknown;
  processId?: unknown;
  reasons?: unknown;
}

function reasonsOf(body: unknown): ZuoraReason[] {
  const reasons = (body as Envelope | null)?.reasons;
  if (!Array.isArray(reasons)) return [];
  return reasons
    .filter((r): r is ZuoraReason => typeof r?.code === 'number' && typeof r?.message === 'string')
    .map((r) => ({ code: r.code, message: r.message }));
}

/** Sends requests: headers, body encoding, the error classes, timeouts and retries. */
export class Transport {
  readonly baseUrl: string;
  readonly options: TransportOptions;
  private readonly fetch: typeof fetch;

  constructor(options: TransportOptions) {
    if (!/^https?:\/\//.test(options.baseUrl)) {
      throw new TypeError(`baseUrl must be an http(s) URL; got ${JSON.stringify(options.baseUrl)}`);
    }
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.options = options;
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  url(path: string, query?: CallRequest['query']): string {
    let url: URL;
    if (/^https?:\/\//.test(path)) {
      // A nextPage URL names the host the server saw; a proxy may stand between, so keep to ours.
      const given = new URL(path);
      const base = new URL(this.baseUrl);
      url = given.origin === base.origin ? given : new URL(`${given.pathname}${given.search}`, base.origin);
    } else {
      url = new URL(`${this.baseUrl}${path}`);
    }
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url.toString();
  }

  async call<T>(request: CallRequest, options: CallOptions = {}): Promise<CallResult<T>> {
    const o = this.options;
    const maxRetries = options.maxRetries ?? o.maxRetries ?? 3;
    const maxRetryTimeMs = options.maxRetryTimeMs ?? o.maxRetryTimeMs ?? 30_000;
    const baseDelayMs = options.baseDelayMs ?? o.baseDelayMs ?? 250;
    const maxDelayMs = options.maxDelayMs ?? o.maxDelayMs ?? 8_000;
    const timeoutMs = options.timeoutMs ?? o.timeoutMs ?? 30_000;
    const url = this.url(request.path, request.query);
    const summary = { method: request.method, url };

    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': o.userAgent ?? 'multientity-client',
      ...o.headers,
    };
    if (options.entityId !== undefined) headers['zuora-entity-ids'] = checkEntityId(options.entityId);
    const trackId = options.trackId ?? o.trackId?.();
    if (trackId !== undefined) headers['zuora-track-id'] = trackId;
    const version = options.zuoraVersion ?? o.zuoraVersion;
    if (version !== undefined) headers['zuora-version'] = version;
    // The key is made once, so every retry of this POST carries the same one.
    if (request.method === 'POST' && request.form === undefined) {
      headers['idempotency-key'] = options.idempotencyKey ?? randomUUID();
    }
    Object.assign(headers, options.headers);

    let payload: Uint8Array | string | undefined;
    if (request.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      payload = new URLSearchParams(request.form).toString();
    } else if (request.body !== undefined) {
      headers['content-type'] = 'application/json';
      const json = Buffer.from(JSON.stringify(request.body));
      const threshold = options.gzipThreshold ?? o.gzipThreshold ?? false;
      if (threshold !== false && json.length >= threshold) {
        headers['content-encoding'] = 'gzip';
        payload = new Uint8Array(gzipSync(json));
      } else {
        payload = new Uint8Array(json);
      }
    }

    const started = Date.now();
    let retriedUnauthorized = false;
    for (let attempt = 0; ; attempt++) {
      const authorization = request.authorization ? await request.authorization() : null;
      if (authorization !== null) headers.authorization = authorization;
      let outcome: { retry: boolean; error: Error; retryAfter: number | null };
      try {
        const result = await this.attempt<T>(
          url,
          request.method,
          headers,
          payload,
          timeoutMs,
          options.signal,
          summary,
        );
        return result;
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason;
        if (error instanceof AuthenticationError && authorization !== null && !retriedUnauthorized) {
          // Once per call: a token that expired or was revoked is replaced, and the call is made again.
          if (request.onUnauthorized?.(authorization)) {
            retriedUnauthorized = true;
            attempt--;
            continue;
          }
        }
        outcome = classify(error as Error);
      }
      const backoff = Math.min(maxDelayMs, baseDelayMs * 2 ** attempt);
      const jittered = backoff / 2 + Math.random() * (backoff / 2);
      const delay = outcome.retryAfter !== null ? Math.max(outcome.retryAfter * 1000, jittered) : jittered;
      if (!outcome.retry || attempt >= maxRetries || Date.now() + delay - started > maxRetryTimeMs) {
        throw outcome.error;
      }
      await sleep(delay, options.signal);
    }
  }

  private async attempt<T>(
    url: string,
    method: string,
    headers: Record<string, string>,
    payload: Uint8Array | string | undefined,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    summary: { method: string; url: string },
  ): Promise<CallResult<T>> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let response: Response;
    let text: string;
    try {
      response = await this.fetch(url, { method, headers, body: payload, signal: combined });
      text = await response.text();
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw new ZuoraConnectionError(summary, error, timeout.aborted);
    }
    let body: unknown = text;
    if (text.length > 0 && (response.headers.get('content-type') ?? '').includes('json')) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    } else if (text.length === 0) {
      body = undefined;
    }
    const envelope = body as Envelope | undefined;
    if (response.status >= 400 || envelope?.success === false) {
      throw apiError({
        status: response.status,
        reasons: reasonsOf(body),
        processId: typeof envelope?.processId === 'string' ? envelope.processId : null,
        requestId: response.headers.get('zuora-request-id'),
        trackId: response.headers.get('zuora-track-id'),
        retryAfter: retryAfterSeconds(response.headers.get('retry-after')),
        request: summary,
        body,
      });
    }
    return { body: body as T, status: response.status, headers: response.headers };
  }
}

/** Whether a failure may be retried without the risk of doing twice what was done once. */
function classify(error: Error): { retry: boolean; error: Error; retryAfter: number | null } {
  if (error instanceof ZuoraConnectionError) return { retry: true, error, retryAfter: null };
  const api = error as ZuoraApiError;
  if (typeof api.status !== 'number') return { retry: false, error, retryAfter: null };
  // Under an old Zuora-Version an error comes as HTTP 200: judge it by the status its category has now.
  const status = api.status === 200 ? (statusOfCategory(api.category) ?? 200) : api.status;
  if (status === 409)
    return { retry: api.category === 50 || api.category === null, error, retryAfter: api.retryAfter };
  if (status === 429) return { retry: api.retryAfter !== null, error, retryAfter: api.retryAfter };
  if (RETRYABLE_STATUSES.has(status)) return { retry: true, error, retryAfter: api.retryAfter };
  return { retry: false, error, retryAfter: null };
}
