// The admin and Zuora wire shapes, generated from src/contract (the client's copy, checked against the schemas).
import type * as Wire from '../../packages/client/src/contract.generated.js';
/**
 * The console's only ways to the server. The operator token goes to `/admin/v1` and nowhere else;
 * a tenant's bearer token goes to the public API (`/v1`). Both are kept in sessionStorage, which
 * the browser forgets with the tab: never in localStorage, and a client secret is never kept at all
 * (it is exchanged for a token and dropped).
 */

export interface ZuoraReason {
  code: number;
  message: string;
}

/** A failed call, with Zuora's reasons as the server worded them. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reasons: ZuoraReason[],
    readonly processId: string | null,
  ) {
    super(reasons.map((reason) => `${reason.code}: ${reason.message}`).join('\n') || `HTTP ${status}`);
  }
}

export interface TenantSession {
  accessToken: string;
  tenantId: string;
  userId: string;
  /** The entities the token may act in, as 32 hex characters. */
  entityIds: string[];
  /** ms since the epoch, by the browser's clock. */
  expiresAt: number;
  clientId: string;
  /** Known when an operator picked the user; a client sign-in does not tell it. */
  username: string | null;
  via: 'client' | 'operator';
}

/** Sent as Zuora-Track-Id with every public API call, so the journal can show the console's own requests. */
export const CONSOLE_TRACK_ID = 'multientity-console';

const OPERATOR_KEY = 'multientity.operatorToken';
const TENANT_KEY = 'multientity.tenantSession';

export const sessionStore = {
  operatorToken(): string | null {
    return sessionStorage.getItem(OPERATOR_KEY);
  },
  setOperatorToken(token: string | null): void {
    if (token === null) sessionStorage.removeItem(OPERATOR_KEY);
    else sessionStorage.setItem(OPERATOR_KEY, token);
  },
  tenant(): TenantSession | null {
    const text = sessionStorage.getItem(TENANT_KEY);
    if (text === null) return null;
    try {
      return JSON.parse(text) as TenantSession;
    } catch {
      return null;
    }
  },
  setTenant(session: TenantSession | null): void {
    if (session === null) sessionStorage.removeItem(TENANT_KEY);
    else sessionStorage.setItem(TENANT_KEY, JSON.stringify(session));
  },
};

async function send(url: string, init: RequestInit): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, credentials: 'omit', cache: 'no-store' });
  } catch (error) {
    // A dropped connection (a `drop` fault rule) or a server that went away.
    throw new ApiError(0, [{ code: 0, message: `No response from the server: ${String(error)}` }], null);
  }
  const text = await response.text();
  let body: unknown = null;
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  const envelope = body as { success?: unknown; reasons?: ZuoraReason[]; processId?: string } | null;
  // Before Zuora-Version 2017-12-14 an error answers HTTP 200 with success false.
  if (!response.ok || envelope?.success === false) {
    const reasons = Array.isArray(envelope?.reasons)
      ? envelope.reasons
      : [{ code: 0, message: `HTTP ${response.status} ${response.statusText}` }];
    throw new ApiError(response.status, reasons, envelope?.processId ?? null);
  }
  return body;
}

function jsonInit(method: string, headers: Record<string, string>, body: unknown): RequestInit {
  if (body === undefined) return { method, headers };
  return {
    method,
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  };
}

/** A call to the admin API with the operator token: the only place that token is sent. */
export function admin<T>(operatorToken: string, method: string, path: string, body?: unknown): Promise<T> {
  if (!path.startsWith('/')) throw new Error(`admin path must start with /: ${path}`);
  const url = `/admin/v1${path}`;
  return send(url, jsonInit(method, { authorization: `Bearer ${operatorToken}` }, body)) as Promise<T>;
}

export interface ZuoraCall {
  /** The entity to act in (Zuora-Entity-Ids). */
  entityId?: string | undefined;
  body?: unknown;
  idempotencyKey?: string;
}

/** A call to Zuora's public API with the tenant session's bearer token. */
export function zuora<T>(
  session: TenantSession,
  method: string,
  path: string,
  call: ZuoraCall = {},
): Promise<T> {
  if (!path.startsWith('/v1/')) throw new Error(`public API path must start with /v1/: ${path}`);
  const headers: Record<string, string> = {
    authorization: `Bearer ${session.accessToken}`,
    'zuora-track-id': CONSOLE_TRACK_ID,
  };
  if (call.entityId) headers['zuora-entity-ids'] = call.entityId;
  if (call.idempotencyKey) headers['idempotency-key'] = call.idempotencyKey;
  return send(path, jsonInit(method, headers, call.body)) as Promise<T>;
}

interface TokenResponse {
  access_token: string;
  expires_in: number;
  scope: string;
}

/** `POST /oauth/token` with client credentials; the secret is sent once and not kept. */
export async function signInWithClient(
  clientId: string,
  clientSecret: string,
  extra: Pick<TenantSession, 'username' | 'via'> = { username: null, via: 'client' },
): Promise<TenantSession> {
  const form = new URLSearchParams({
    client_id: clientId,
    client_secret: clientSecret,
    grant_type: 'client_credentials',
  });
  const token = (await send('/oauth/token', {
    method: 'POST',
    headers: { 'zuora-track-id': CONSOLE_TRACK_ID },
    body: form,
  })) as TokenResponse;
  // scope: "user.<id> entity.<uuid>… tenant.<id>"
  const parts = token.scope.split(' ');
  const value = (prefix: string) =>
    parts.filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length));
  return {
    accessToken: token.access_token,
    tenantId: value('tenant.')[0] ?? '',
    userId: value('user.')[0] ?? '',
    entityIds: value('entity.').map((id) => id.replaceAll('-', '').toLowerCase()),
    expiresAt: Date.now() + token.expires_in * 1000,
    clientId,
    ...extra,
  };
}

// --- Wire shapes the console reads ----------------------------------------------------------------

export type Entity = Wire.Entity;

export type Connection = Wire.EntityConnection;

export type TenantSummary = Wire.TenantSummary;

export type Clock = Wire.ClockState;

export type TenantDetail = Wire.TenantDetail;

export type CreatedTenant = Wire.CreatedTenant;

export type AdminUser = Wire.AdminUser;

export type FaultRule = Wire.FaultRule;

export type JournalEntry = Wire.JournalEntry;

export type AuditEvent = Wire.AdminAuditEvent;

export interface LimitsAnswer {
  settings: { profile: string } & Record<string, unknown>;
  limits: Record<string, number> | null;
}

/** A fresh Idempotency-Key for each POST the console sends. */
export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}
