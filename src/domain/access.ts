import type { Membership, User } from './model.js';

/**
 * What a user may do in an entity (docs/CONTRACT.md §6): a user can access their home entity and every
 * entity where their membership is Active; "admin of X" means an Active Administrator membership in X.
 */
export interface UserAccess {
  user: User;
  memberships: ReadonlyMap<string, Membership>;
}

export function userAccess(user: User, memberships: readonly Membership[]): UserAccess {
  return { user, memberships: new Map(memberships.map((m) => [m.entityId, m])) };
}

export function canAccess(access: UserAccess, entityId: string): boolean {
  if (access.user.status !== 'Active') return false;
  if (access.user.homeEntityId === entityId) return true;
  return access.memberships.get(entityId)?.status === 'Active';
}

export function isAdmin(access: UserAccess, entityId: string): boolean {
  if (access.user.status !== 'Active') return false;
  const membership = access.memberships.get(entityId);
  return membership?.status === 'Active' && membership.role === 'Administrator';
}

/**
 * Every entity the user can access: the home entity first, then the Active memberships; none for an
 * inactive user, as canAccess says.
 */
export function accessibleEntityIds(access: UserAccess): string[] {
  if (access.user.status !== 'Active') return [];
  const ids = [access.user.homeEntityId];
  for (const m of access.memberships.values()) {
    if (m.status === 'Active' && m.entityId !== access.user.homeEntityId) ids.push(m.entityId);
  }
  return ids;
}
