import type { Entity, Membership, MembershipStatus, User, UserStatus } from '../model.js';

/** A user with its memberships, as `listMemberships` answers them. */
export interface UserWithMemberships {
  user: User;
  memberships: Membership[];
}

/** Users and their memberships: who may act in which entity. */
export interface AccessStore {
  insertUser(user: User): Promise<void>;
  findUser(tenantId: string, id: string): Promise<User | undefined>;
  findUserByUsername(tenantId: string, username: string): Promise<User | undefined>;
  listUsers(tenantId: string): Promise<User[]>;
  /** `listUsers`, each user with its memberships as `listMemberships` answers them, in one read. */
  listUsersWithMemberships(tenantId: string): Promise<UserWithMemberships[]>;
  setUserStatus(tenantId: string, id: string, status: UserStatus): Promise<void>;
  upsertMembership(membership: Membership): Promise<void>;
  /** A user's memberships, by entity id. */
  listMemberships(userId: string): Promise<Membership[]>;
  findMembership(userId: string, entityId: string): Promise<Membership | undefined>;
  /** `findMembership`, the row locked FOR UPDATE: a status transition reads the status it changes. */
  lockMembership(userId: string, entityId: string): Promise<Membership | undefined>;
  /** A tenant's entity with a user's membership in it (undefined when none), in one read. */
  findEntityAccess(
    tenantId: string,
    entityId: string,
    userId: string,
  ): Promise<{ entity: Entity; membership: Membership | undefined } | undefined>;
  /**
   * Writes `membership` only if the (user, entity) membership is still `expected` (null: there is
   * none); answers whether it wrote. A compare-and-set, so that of a concurrent accept and deny of
   * the same request exactly one wins.
   */
  setMembershipIf(membership: Membership, expected: MembershipStatus | null): Promise<boolean>;
  /** Removes every membership in one of `entityIds` (deleted entities); answers what it removed. */
  deleteMembershipsInEntities(entityIds: string[]): Promise<Membership[]>;
}
