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
   * When `findBearer` was given an entity id: that entity of the token's tenant with the token
   * user's membership in it (`findEntityAccess`), or null when the tenant has no such entity.
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
   * The token by its hash with its tenant, user and client, in one query; undefined if no such
   * token. With `entityId`, the same query reads that entity and the user's membership in it.
   */
  findBearer(tokenHash: string, entityId?: string): Promise<BearerRecord | undefined>;
  deleteExpiredTokens(now: number): Promise<number>;
}
