import type { FastifyInstance } from 'fastify';
import { parseApiVersion } from '../../domain/api-version.js';
import type { Services } from '../../services.js';

/**
 * Bearer token, then entity context (REFERENCE.md §2), before the body is read: a request without
 * a valid token costs no body parsing. Runs only on routes declared with `config: { auth: true }`.
 */
export function registerAuthentication(
  app: FastifyInstance,
  services: Pick<Services, 'auth' | 'store'>,
): void {
  app.addHook('onRequest', async (request) => {
    if (!request.routeOptions.config.auth) return;
    const authorization = request.headers.authorization;
    const bearer = authorization?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
    const token = await services.auth.verifyToken(bearer);
    const tenant = await services.store.findTenant(token.tenantId);
    request.tenantApiVersion = tenant ? (parseApiVersion(tenant.apiVersion) ?? undefined) : undefined;
    const entityHeader = request.headers['zuora-entity-ids'];
    request.actor = await services.auth.resolveActor(
      token,
      Array.isArray(entityHeader) ? entityHeader.join(',') : entityHeader,
    );
    request.log = request.log.child({ tenantId: request.actor.tenantId, entityId: request.actor.entityId });
  });
}
