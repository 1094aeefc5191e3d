import type {
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
  onRequestAsyncHookHandler,
} from 'fastify';
import { parseApiVersion } from '../../domain/api-version.js';
import { AppError } from '../../domain/errors.js';
import { parseEntityId } from '../../domain/ids.js';
import { runInTenantContext } from '../../domain/tenant-context.js';
import type { Services } from '../../services.js';
import { bindToRequestLog } from '../request-log.js';

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

/**
 * The entity the request names: `Zuora-Entity-Ids`, or the headers it replaced, which Zuora's 2017
 * spec still lists: `entityId` (an id) and `entityName` (an entity's name in the caller's tenant).
 * `ids` is the first two, as read by the caller.
 */
async function entityContextHeader(
  auth: Pick<Services['auth'], 'findEntityByName'>,
  request: FastifyRequest,
  tenantId: string,
  ids: string | undefined,
): Promise<string | undefined> {
  if (ids !== undefined) return ids;
  const name = single(request.headers.entityname);
  if (name === undefined) return undefined;
  const entity = await auth.findEntityByName(tenantId, name);
  // An unknown name is outside every scope: answered like an entity the token does not cover.
  if (!entity) throw new AppError('ENTITY_OUT_OF_SCOPE');
  return entity.id;
}

/**
 * Bearer token, then entity context (docs/CONTRACT.md §2), before the body is read: a request without
 * a valid token costs no body parsing. Runs only on routes declared with `config: { auth: true }`.
 */
export function authenticate(services: Pick<Services, 'auth' | 'tenantContexts'>): onRequestAsyncHookHandler {
  return async function authenticate(request) {
    if (!request.routeOptions.config.auth) return;
    const authorization = request.headers.authorization;
    const bearer = authorization?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
    // An entity named by id is read with the token, in the same query.
    const ids = single(request.headers['zuora-entity-ids']) ?? single(request.headers.entityid);
    const named = ids === undefined ? undefined : (parseEntityId(ids) ?? undefined);
    const verified = await services.auth.verifyBearer(bearer, named);
    const { token, tenant, tenantState } = verified;
    request.tenantApiVersion = tenant ? (parseApiVersion(tenant.apiVersion) ?? undefined) : undefined;
    request.actor = await services.auth.resolveActor(
      verified,
      await entityContextHeader(services.auth, request, token.tenantId, ids),
    );
    request.tenantContext = await services.tenantContexts.open(token.tenantId, tenantState);
    bindToRequestLog(request, { tenantId: request.actor.tenantId, entityId: request.actor.entityId });
  };
}

/**
 * The rest of the request runs in the tenant's context, so services read its clock and ids.
 * Entered in preValidation, after the body is read, because a context entered in onRequest does not
 * survive the request stream's events (the pattern of @fastify/request-context); everything after
 * preValidation (idempotency claim, handler, onSend) runs inside it.
 */
export function enterTenantContext(
  request: FastifyRequest,
  _reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void {
  const context = request.tenantContext;
  if (context) runInTenantContext(context, done);
  else done();
}
