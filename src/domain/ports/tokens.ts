import type { AccessToken, ClientStatus, Entity, Membership, OAuthClient, Tenant, User } from '../model.js';
import type { TenantRuntime } from './tenants.js';

/**
 * What a bearer token stands for, read at once: the token, its tenant and that tenant's clock and
 * seed (not its fixture, which authentication never needs), and the token's user and client as they
 * are now (undefined once deleted).
 */
export interface BearerRecord {
  token: AccessToken;
  tenant: Tenant;
  tenantState: TenantRuntime;
  user: User | undefined;
  client: OAuthClient | undefined;
  /**
   * The entity a request with this token acts in, when the read can tell: the one `findBearer` was
   * given the id of, or without an id the token's only entity (a token of several entities reads
   * none: undefined). That entity of the token's tenant with the token user's membership in it
   * (`findEntityAccess`), or null when the tenant has no such entity.
   */
  entityAccess?: { entity: Entity; membership: Membership | undefined } | null;
}

/** OAuth clients and the bearer tokens issued to them. */
export interface TokenStore {
  insertClient(client: OAuthClient): Promise<void>;
  findClient(clientId: string): Promise<OAuthClient | undefined>;
  listClients(tenantId: string): Promise<OAuthClient[]>;
  setClientEntities(clientId: string, entityIds: string[]): Promise<void>;
  setClientStatus(clientId: string, status: ClientStatus): Promise<void>;
  insertToken(token: AccessToken): Promise<void>;
  /**
   * The token by its hash with its tenant, user and client, and the entity the request acts in with
   * the user's membership in it (`BearerRecord.entityAccess`), in one query; undefined if no such
   * token. Every row as it is now: nothing of it is kept between calls.
   */
  findBearer(tokenHash: string, entityId?: string): Promise<BearerRecord | undefined>;
  deleteExpiredTokens(now: number): Promise<number>;
}
