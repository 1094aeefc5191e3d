/** The domain's records, as the services see them (the wire and the database have their own forms). */

export type EntityStatus = 'Provisioned' | 'Unprovisioned';
export type ConnectionStatus = 'Pending' | 'Connected' | 'Disconnected';
export type Role = 'Administrator' | 'Standard User';
export type MembershipStatus = 'Active' | 'Pending Review' | 'Access Denied';
export type UserStatus = 'Active' | 'Inactive';
export type ClientStatus = 'Active' | 'Inactive';

export interface Tenant {
  id: string; // digits, e.g. "6398"
  name: string;
  /** The Zuora-Version that applies when a request sends none. */
  apiVersion: string;
  createdAt: number;
}

export interface Entity {
  id: string; // 32 lowercase hex
  tenantId: string;
  name: string;
  displayName: string;
  locale: string;
  timezone: string;
  status: EntityStatus;
  parentId: string | null;
  createdAt: number;
}

export interface Connection {
  id: string;
  tenantId: string;
  sourceEntityId: string;
  targetEntityId: string;
  status: ConnectionStatus;
  createdAt: number;
  updatedAt: number;
}

export interface User {
  id: string;
  tenantId: string;
  username: string;
  homeEntityId: string;
  status: UserStatus;
  createdAt: number;
}

export interface Membership {
  userId: string;
  entityId: string;
  role: Role;
  status: MembershipStatus;
  updatedAt: number;
}

export interface OAuthClient {
  clientId: string; // 36 characters
  tenantId: string;
  userId: string;
  /** Salted SHA-256 of the secret; the secret itself is never stored. */
  secretHash: string;
  entityIds: string[];
  createdAt: number;
  /** Inactive clients get no tokens and their tokens stop working; absent means Active. */
  status?: ClientStatus;
}

export interface AccessToken {
  /** SHA-256 of the bearer token; the token itself is never stored. */
  tokenHash: string;
  jti: string;
  tenantId: string;
  clientId: string;
  userId: string;
  /** The entities the token may act in, fixed when it is issued. */
  entityIds: string[];
  issuedAt: number;
  expiresAt: number;
}

/** Who is calling, as resolved from a valid token and the entity context. */
export interface Actor {
  tenantId: string;
  userId: string;
  clientId: string;
  /** The entity the request acts in (REFERENCE.md §2, Zuora-Entity-Ids). */
  entityId: string;
}

/** One change to entities, connections or access, for the audit trail. */
export interface AuditEvent {
  id: string;
  tenantId: string;
  at: number;
  /** The acting user and OAuth client; null for changes made by the operator or a fixture. */
  userId: string | null;
  clientId: string | null;
  /** The entity the change was made in (the acting entity). */
  entityId: string | null;
  /** e.g. 'connection.request', 'connection.deny', 'entity.create', 'access.accept'. */
  action: string;
  resourceType: 'entity' | 'connection' | 'membership' | 'user' | 'client' | 'tenant';
  resourceId: string;
  before: unknown;
  after: unknown;
}
