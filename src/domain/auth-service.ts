import { randomBytes } from 'node:crypto';
import { accessibleEntityIds, canAccess, userAccess } from './access.js';
import { HOUR_MS } from './clock.js';
import { AppError } from './errors.js';
import { hexToUuid, type IdGenerator, parseEntityId } from './ids.js';
import type { AccessToken, Actor, Entity, Membership, OAuthClient, Tenant, User } from './model.js';
import type { AccessStore, EntityStore, TenantRuntime, TokenStore } from './ports/index.js';
import { hashSecret, hashToken, verifySecret } from './secrets.js';
import type { TenantClock } from './tenant-clock.js';
import { runInTenantContext, type TenantContexts } from './tenant-context.js';

/** Tokens live one hour (docs/CONTRACT.md §2); Zuora reports 3599 seconds. */
export const TOKEN_TTL_MS = HOUR_MS;
const EXPIRES_IN_SECONDS = 3599;

export interface TokenRequest {
  client_id?: string | undefined;
  client_secret?: string | undefined;
  grant_type?: string | undefined;
}

export interface TokenResponse {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  scope: string;
  jti: string;
}

/** What checking a bearer token read: everything authenticating its request needs, read at once. */
export interface VerifiedBearer {
  token: AccessToken;
  tenant: Tenant;
  tenantState: TenantRuntime;
  /** Active, as checked. */
  user: User;
  /** The entity the request acts in, read with the token (`BearerRecord.entityAccess`). */
  entityAccess?: BearerEntityAccess;
}

/** An entity of the token's tenant with the user's membership in it (null: no such entity), read with the token. */
export interface BearerEntityAccess {
  entityId: string;
  found: { entity: Entity; membership: Membership | undefined } | null;
}

export interface AuthDeps {
  store: TokenStore &
    Pick<AccessStore, 'findUser' | 'listMemberships' | 'findEntityAccess'> &
    Pick<EntityStore, 'findEntities' | 'findEntityByName'>;
  clock: TenantClock;
  ids: IdGenerator;
  contexts: TenantContexts;
  /** Checks a client secret against its stored hash; tests observe it. */
  verifySecret?: (secret: string, stored: string) => boolean;
}

/**
 * What an unknown client_id's secret is checked against, so that `POST /oauth/token` does the same
 * work for an unknown client id as for a known one, and the time it takes does not tell them apart.
 * Made once per process from random bytes: no secret matches it.
 */
const UNKNOWN_CLIENT_HASH = hashSecret(randomBytes(30).toString('base64url'));

const invalidToken = () =>
  new AppError('TOKEN_INVALID', undefined, {
    headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
  });

export function createAuthService({
  store,
  clock,
  ids,
  contexts,
  verifySecret: verify = verifySecret,
}: AuthDeps) {
  /**
   * Checks a bearer token and answers it with the rows it read (the tenant, its state, the user, the
   * entity acted in), so that authenticating a request reads the store once; throws TOKEN_INVALID
   * (401). Every row is read as it is now: a deactivated user or client, a moved clock or a reset
   * tenant count from the next request, on every instance.
   */
  async function verifyBearer(bearer: string | undefined, entityId?: string): Promise<VerifiedBearer> {
    if (!bearer)
      throw new AppError('TOKEN_MISSING', undefined, { headers: { 'WWW-Authenticate': 'Bearer' } });
    // The token with its tenant, user and client as they are now, and the entity the request acts
    // in (the one it names by id, or the token's only one) with the user's membership in it.
    const found = await store.findBearer(hashToken(bearer), entityId);
    if (!found) throw invalidToken();
    const { token, tenant, tenantState, user, client } = found;
    // A token lives one hour of its tenant's time as that clock reads now, judged on every request:
    // past its expiry, or issued after now because the admin API has moved the clock back since (a
    // token of an advanced clock ends when the clock is reset).
    const now = clock.nowFor(tenantState.clock);
    if (token.expiresAt <= now || token.issuedAt > now) throw invalidToken();
    // A deactivated user's or client's tokens stop working at once (docs/CONTRACT.md §6).
    if (user?.status !== 'Active' || !client || client.status === 'Inactive') throw invalidToken();
    const verified: VerifiedBearer = { token, tenant, tenantState, user };
    if (found.entityAccess !== undefined) {
      // Read without an id only for a token of one entity (BearerRecord.entityAccess).
      const read = entityId ?? (token.entityIds[0] as string);
      verified.entityAccess = { entityId: read, found: found.entityAccess };
    }
    return verified;
  }

  return {
    /**
     * `POST /oauth/token` with the client credentials grant (docs/CONTRACT.md §1). `known`: the client
     * `request.client_id` names, already read for this request (the token limit reads it for its
     * tenant), so it is not read twice.
     */
    async issueToken(
      request: TokenRequest,
      known?: { client: OAuthClient | undefined },
    ): Promise<TokenResponse> {
      if (!request.client_id) throw new AppError('FIELD_REQUIRED', 'Missing required field: client_id.');
      if (!request.client_secret)
        throw new AppError('FIELD_REQUIRED', 'Missing required field: client_secret.');
      if (!request.grant_type) throw new AppError('FIELD_REQUIRED', 'Missing required field: grant_type.');
      if (request.grant_type !== 'client_credentials') throw new AppError('GRANT_TYPE_UNSUPPORTED');

      const client = known ? known.client : await store.findClient(request.client_id);
      // Verified whether the client exists or not: the same work either way (no enumeration by timing).
      const secretMatches = verify(request.client_secret, client?.secretHash ?? UNKNOWN_CLIENT_HASH);
      if (!client || !secretMatches || client.status === 'Inactive') {
        throw new AppError('INVALID_CLIENT', undefined, { headers: { 'WWW-Authenticate': 'Bearer' } });
      }
      const user = await store.findUser(client.tenantId, client.userId);
      const context = await contexts.open(client.tenantId);
      if (user?.status !== 'Active' || !context) {
        throw new AppError('INVALID_CLIENT', undefined, { headers: { 'WWW-Authenticate': 'Bearer' } });
      }
      // The bearer token is drawn before entering the tenant's context, where a seed would make it
      // predictable; the jti and the times are the tenant's (its seed, its clock).
      const token = ids.hex32();
      return runInTenantContext(context, async () => {
        // The scope is what the client names, narrowed to what the user can access now and to
        // provisioned entities. Access granted later widens the next token, never this one.
        const access = userAccess(user, await store.listMemberships(user.id));
        const accessible = new Set(accessibleEntityIds(access));
        const wanted = client.entityIds.filter((id) => accessible.has(id));
        // One read for all of them, and the scope in the client's order.
        const provisioned = new Set(
          (await store.findEntities(client.tenantId, wanted))
            .filter((entity) => entity.status === 'Provisioned')
            .map((entity) => entity.id),
        );
        const entityIds = wanted.filter((id) => provisioned.has(id));

        const now = clock.now();
        const record: AccessToken = {
          tokenHash: hashToken(token),
          jti: ids.hex32(),
          tenantId: client.tenantId,
          clientId: client.clientId,
          userId: user.id,
          entityIds,
          issuedAt: now,
          expiresAt: now + TOKEN_TTL_MS,
        };
        await store.insertToken(record);
        const scope = [
          `user.${user.id}`,
          ...entityIds.map((id) => `entity.${hexToUuid(id)}`),
          `tenant.${client.tenantId}`,
        ];
        return {
          access_token: token,
          token_type: 'bearer',
          expires_in: EXPIRES_IN_SECONDS,
          scope: scope.join(' '),
          jti: record.jti,
        };
      });
    },

    /** The client of an id, as a token request names it (undefined when unknown). */
    findClient: (clientId: string) => store.findClient(clientId),

    /** An entity of the tenant by its name (the `entityName` header). */
    findEntityByName: (tenantId: string, name: string) => store.findEntityByName(tenantId, name),

    verifyBearer,

    /**
     * The entity the request of a verified bearer acts in (docs/CONTRACT.md §2): with one entity in
     * the token's scope no header is needed; with several, Zuora-Entity-Ids must name one of them.
     */
    async resolveActor(
      { token, user, entityAccess }: VerifiedBearer,
      entityHeader: string | undefined,
    ): Promise<Actor> {
      let entityId: string;
      if (entityHeader === undefined) {
        if (token.entityIds.length > 1) throw new AppError('ENTITY_HEADER_REQUIRED');
        const only = token.entityIds[0];
        if (only === undefined) throw new AppError('ENTITY_OUT_OF_SCOPE');
        entityId = only;
      } else {
        const parsed = parseEntityId(entityHeader);
        if (parsed === null) throw new AppError('ENTITY_HEADER_INVALID');
        if (!token.entityIds.includes(parsed)) throw new AppError('ENTITY_OUT_OF_SCOPE');
        entityId = parsed;
      }
      // The scope was fixed at issue; access taken away since (deny, deletion) counts at once. Access
      // to one entity depends on its membership alone, read with the token unless the request named
      // the entity by name (the `entityName` header), which only its own read resolves.
      const found =
        entityAccess?.entityId === entityId
          ? entityAccess.found
          : await store.findEntityAccess(token.tenantId, entityId, user.id);
      const membership = found?.membership;
      if (!found || !canAccess(userAccess(user, membership ? [membership] : []), entityId)) {
        throw new AppError('ENTITY_OUT_OF_SCOPE');
      }
      return { tenantId: token.tenantId, userId: token.userId, clientId: token.clientId, entityId };
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
