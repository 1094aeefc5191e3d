import type { ApiVersion } from '../domain/api-version.js';
import type { IdempotentRequest } from '../domain/idempotency.js';
import type { Actor } from '../domain/model.js';
import type { StoreOps } from '../domain/ports/index.js';
import type { TenantContext } from '../domain/tenant-context.js';

/** What the pipeline learns about a request, hook by hook (docs/ARCHITECTURE.md). */
declare module 'fastify' {
  interface FastifyRequest {
    /** A valid Zuora-Track-Id, echoed on the response. */
    trackId: string | undefined;
    /** The Zuora-Version header, when given and well-formed. */
    apiVersion: ApiVersion | undefined;
    /** The tenant's default version, once the token names the tenant. */
    tenantApiVersion: ApiVersion | undefined;
    /** The token's tenant's clock and ids, entered for the rest of the request (authentication.ts). */
    tenantContext: TenantContext | undefined;
    /** Who calls and in which entity, once authenticated. */
    actor: Actor | undefined;
    /** The Idempotency-Key of a request whose handler failed: its error response is stored as it is sent. */
    idempotency: IdempotentRequest | undefined;
    /**
     * While the handler of an idempotent route runs under a key: the key's open transaction, which
     * the handler's domain service must write in (`within`). On SQLite any store call made outside
     * it before it ends would wait for it forever (one connection).
     */
    transaction: StoreOps | undefined;
    /** The request failed for a passing reason (lock contention, database away): not stored under its key. */
    retryable: boolean;
  }
  interface FastifyContextConfig {
    /** The route needs a bearer token and an entity context. */
    auth?: boolean;
    /** POST routes that honour Idempotency-Key. */
    idempotent?: boolean;
  }
}

export function requireActor(actor: Actor | undefined): Actor {
  if (!actor) throw new Error('route declared without config.auth reached an actor-only handler');
  return actor;
}
