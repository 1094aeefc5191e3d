import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiVersion } from '../domain/api-version.js';
import type { IdempotentRequest } from '../domain/idempotency.js';
import type { Actor, OAuthClient } from '../domain/model.js';
import type { TenantContext } from '../domain/tenant-context.js';

/**
 * What the pipeline learns about a request, step by step: the one place a step leaves something for
 * a later one. Which step leaves and reads each field is listed in http/pipeline.ts.
 */
export interface RequestState {
  /** A valid Zuora-Track-Id, echoed on the response. */
  trackId: string | undefined;
  /** The Zuora-Version header, when given and well-formed. */
  apiVersion: ApiVersion | undefined;
  /** The tenant's default version, once the token names the tenant. */
  tenantApiVersion: ApiVersion | undefined;
  /** The token's tenant's clock and ids, entered for the rest of the request. */
  tenantContext: TenantContext | undefined;
  /** Who calls and in which entity, once authenticated. */
  actor: Actor | undefined;
  /**
   * POST /oauth/token: the OAuth client its form names, read once for its tenant (limits, faults,
   * journal) and handed to the handler, which checks that same read's secret and status.
   * `client` undefined: read, and there is no such client.
   */
  tokenClient: { client: OAuthClient | undefined } | undefined;
  /** The Idempotency-Key of a request whose handler failed: its error response is stored as it is sent. */
  idempotency: IdempotentRequest | undefined;
  /** The response body as sent, before compression, kept for the journal. */
  journalPayload: string | undefined;
  /** The request failed for a passing reason (lock contention, database away): not stored under its key. */
  retryable: boolean;
}

declare module 'fastify' {
  interface FastifyRequest extends RequestState {}
  interface FastifyContextConfig {
    /** The route needs a bearer token and an entity context. */
    auth?: boolean;
  }
}

/** Each field's value before any step has set it. */
const initialState: RequestState = {
  trackId: undefined,
  apiVersion: undefined,
  tenantApiVersion: undefined,
  tenantContext: undefined,
  actor: undefined,
  tokenClient: undefined,
  idempotency: undefined,
  journalPayload: undefined,
  retryable: false,
};

/** Declares every field on Fastify's request object, so each request starts with all of them (one shape). */
export function decorateRequestState(app: FastifyInstance): void {
  for (const [name, value] of Object.entries(initialState)) app.decorateRequest(name, value);
}

/** The tenant a request belongs to: the token's, or for /oauth/token the client's. */
export function tenantOf(request: FastifyRequest): string | undefined {
  return request.actor?.tenantId ?? request.tokenClient?.client?.tenantId;
}

export function requireActor(actor: Actor | undefined): Actor {
  if (!actor) throw new Error('route declared without config.auth reached an actor-only handler');
  return actor;
}
