import { canAccess, isAdmin, type UserAccess, userAccess } from './access.js';
import { type AuditChange, recordAudit } from './audit.js';
import type { Clock } from './clock.js';
import { AppError } from './errors.js';
import type { IdGenerator } from './ids.js';
import { parseEntityId } from './ids.js';
import type { Actor, Entity, Membership, MembershipStatus, User } from './model.js';
import type { AccessStore, AuditStore, EntityStore, Transactional } from './ports/index.js';

export interface UserAccessDeps {
  store: Transactional &
    Pick<AccessStore, 'findUserByUsername' | 'listMemberships'> &
    Pick<EntityStore, 'listEntities'>;
  clock: Clock;
  ids: IdGenerator;
}

type Tx = Pick<
  AccessStore,
  'findUser' | 'findUserByUsername' | 'listMemberships' | 'lockMembership' | 'setMembershipIf'
> &
  Pick<EntityStore, 'findEntity'> &
  AuditStore;

async function loadActorAccess(tx: Tx, actor: Actor): Promise<UserAccess> {
  const user = await tx.findUser(actor.tenantId, actor.userId);
  if (!user) throw new AppError('TOKEN_INVALID');
  return userAccess(user, await tx.listMemberships(user.id));
}

/** Usernames are looked up in the caller's tenant only: another tenant's user is unknown. */
async function findUser(
  store: Pick<AccessStore, 'findUserByUsername'>,
  actor: Actor,
  username: string,
): Promise<User> {
  const user = await store.findUserByUsername(actor.tenantId, username);
  if (!user) throw new AppError('USER_NOT_FOUND', `The user ${username} does not exist.`);
  return user;
}

/** A membership as the audit trail and the write see it: the entity's id is part of the record. */
const membershipResource = (m: { userId: string; entityId: string }) => `${m.userId}:${m.entityId}`;

/**
 * User access (docs/CONTRACT.md §6): request, accept, deny, and the entities a user can access. Each
 * (user, entity) pair holds one membership, Pending Review, Active or Access Denied; the home entity
 * is always accessible and never changes state here.
 */
export function createUserAccessService({ store, clock, ids }: UserAccessDeps) {
  /**
   * Writes the membership if nobody changed it since it was read, with its audit record. The read
   * locked an existing row (`lockMembership`); a first request for a pair has no row to lock, and of
   * two racing ones the second inserts nothing and answers 409 (category 50), which its retry settles.
   */
  async function write(
    tx: Tx,
    actor: Actor,
    action: string,
    before: Membership | undefined,
    after: Membership,
  ): Promise<void> {
    if (!(await tx.setMembershipIf(after, before?.status ?? null))) throw new AppError('LOCK_CONTENTION');
    const change: AuditChange = {
      action,
      resourceType: 'membership',
      resourceId: membershipResource(after),
      before: before ?? null,
      after,
    };
    await recordAudit(tx, { clock, ids }, actor.tenantId, actor, change);
  }

  /** The checks accept and deny share: an admin acting in the entity whose access is decided. */
  async function decide(tx: Tx, actor: Actor, username: string) {
    if (!isAdmin(await loadActorAccess(tx, actor), actor.entityId)) throw new AppError('NOT_ENTITY_ADMIN');
    const user = await findUser(tx, actor, username);
    if (user.homeEntityId === actor.entityId) throw new AppError('HOME_ENTITY_ACCESS');
    // Locked: of a concurrent accept and deny, the second reads what the first wrote.
    return { user, membership: await tx.lockMembership(user.id, actor.entityId) };
  }

  return {
    /** `GET /v1/users/{username}/accessible-entities`: the home entity and every Active membership. */
    async accessibleEntities(actor: Actor, username: string): Promise<Entity[]> {
      const user = await findUser(store, actor, username);
      const memberships = await store.listMemberships(user.id);
      const accessible = new Set([
        user.homeEntityId,
        ...memberships.filter((m) => m.status === 'Active').map((m) => m.entityId),
      ]);
      return (await store.listEntities(actor.tenantId)).filter((e) => accessible.has(e.id));
    },

    /**
     * `PUT /v1/users/{username}/request-access`: by an administrator of the user's home entity acting
     * in it, for targets the caller can access. All targets are checked before any is written, and
     * the whole request lands or none of it.
     */
    async request(actor: Actor, username: string, targetEntityIds: readonly string[]): Promise<void> {
      if (targetEntityIds.length === 0) {
        throw new AppError(
          'FIELD_REQUIRED',
          'Missing required field: targetEntityIds must name at least one entity.',
        );
      }
      await store.transaction(async (tx) => {
        const caller = await loadActorAccess(tx, actor);
        if (!isAdmin(caller, actor.entityId)) throw new AppError('NOT_ENTITY_ADMIN');
        const user = await findUser(tx, actor, username);
        if (user.homeEntityId !== actor.entityId) throw new AppError('NOT_HOME_ENTITY_ADMIN');
        if (user.status !== 'Active') throw new AppError('USER_INACTIVE');

        const targets = new Map<string, Entity>();
        for (const given of targetEntityIds) {
          const id = parseEntityId(given);
          // Unknown and another tenant's entity answer alike, so no tenant learns of another's ids.
          const target = id === null ? undefined : await tx.findEntity(actor.tenantId, id);
          if (!target) throw new AppError('ENTITY_NOT_FOUND', `The target entity ${given} does not exist.`);
          if (target.id === user.homeEntityId) {
            throw new AppError(
              'HOME_ENTITY_ACCESS',
              `The target entity ${given} is the user's home entity, which the user can always access.`,
            );
          }
          if (!canAccess(caller, target.id)) {
            throw new AppError(
              'TARGET_NOT_ACCESSIBLE',
              `You do not have access to the target entity ${given}.`,
            );
          }
          if (target.status !== 'Provisioned') {
            throw new AppError('ENTITY_NOT_PROVISIONED', `The target entity ${given} is not provisioned.`);
          }
          targets.set(target.id, target);
        }

        for (const target of targets.values()) {
          const before = await tx.lockMembership(user.id, target.id);
          // A retried request changes nothing, and an Administrator is never made a Standard User.
          if (before?.status === 'Active') continue;
          const grant = isAdmin(caller, target.id);
          if (before?.status === 'Pending Review' && !grant) continue;
          const after: Membership = {
            userId: user.id,
            entityId: target.id,
            role: 'Standard User',
            status: grant ? 'Active' : 'Pending Review',
            updatedAt: clock.now(),
          };
          await write(tx, actor, grant ? 'access.grant' : 'access.request', before, after);
        }
      });
    },

    /** `PUT /v1/users/{username}/accept-access`: Pending Review becomes Active, as a Standard User. */
    async accept(actor: Actor, username: string): Promise<void> {
      await store.transaction(async (tx) => {
        const { user, membership } = await decide(tx, actor, username);
        if (membership?.status !== 'Pending Review') {
          throw new AppError('USER_ACCESS_ACTION_NOT_ALLOWED', noPendingMessage(user, membership?.status));
        }
        await write(tx, actor, 'access.accept', membership, {
          ...membership,
          role: 'Standard User',
          status: 'Active',
          updatedAt: clock.now(),
        });
      });
    },

    /** `PUT /v1/users/{username}/deny-access`: a pending request, or access given, becomes Access Denied. */
    async deny(actor: Actor, username: string): Promise<void> {
      await store.transaction(async (tx) => {
        const { user, membership } = await decide(tx, actor, username);
        if (membership?.status !== 'Pending Review' && membership?.status !== 'Active') {
          throw new AppError(
            'USER_ACCESS_ACTION_NOT_ALLOWED',
            membership
              ? `The access of user ${user.username} to this entity is already ${membership.status}.`
              : `User ${user.username} has neither access nor a pending access request in this entity.`,
          );
        }
        await write(tx, actor, 'access.deny', membership, {
          ...membership,
          status: 'Access Denied',
          updatedAt: clock.now(),
        });
      });
    },
  };
}

function noPendingMessage(user: User, status: MembershipStatus | undefined): string {
  return status === undefined
    ? `User ${user.username} has no pending access request in this entity.`
    : `User ${user.username} has no pending access request in this entity: the access is ${status}.`;
}

export type UserAccessService = ReturnType<typeof createUserAccessService>;
