import { canAccess, isAdmin, type UserAccess, userAccess } from './access.js';
import { recordAudit } from './audit.js';
import type { Clock } from './clock.js';
import { actionSides, type ConnectionAction, type ConnectionSide, transition } from './connection-state.js';
import { AppError } from './errors.js';
import { type IdGenerator, isHex32 } from './ids.js';
import type { Actor, Connection } from './model.js';
import {
  type AccessStore,
  type ConnectionStore,
  type Transactional,
  UniqueViolation,
} from './ports/index.js';

export interface ConnectionListQuery {
  type?: 'inbound' | 'outbound' | undefined;
  page: number;
  pageSize: number;
}

export interface ConnectionDeps {
  store: Transactional & Pick<ConnectionStore, 'listConnections'>;
  clock: Clock;
  ids: IdGenerator;
}

/**
 * The actor's access to `entityIds`: the memberships in those entities only, since what a user may
 * do in an entity depends on that entity's membership alone (an administrator of 512 entities
 * would otherwise load 512 rows per request).
 */
async function loadAccess(
  store: Pick<AccessStore, 'findUser' | 'findMembership'>,
  actor: Actor,
  entityIds: string[],
): Promise<UserAccess> {
  const user = await store.findUser(actor.tenantId, actor.userId);
  if (!user) throw new AppError('TOKEN_INVALID');
  const memberships = [];
  for (const entityId of new Set(entityIds)) {
    const membership = await store.findMembership(user.id, entityId);
    if (membership) memberships.push(membership);
  }
  return userAccess(user, memberships);
}

/** Entity connections (docs/CONTRACT.md §5): request, list, accept, deny, disconnect. */
export function createConnectionService({ store, clock, ids }: ConnectionDeps) {
  async function act(
    actor: Actor,
    connectionId: string,
    action: ConnectionAction,
  ): Promise<Connection | null> {
    return store.transaction(async (tx) => {
      // Locked: of two transitions of one connection, the second reads what the first wrote.
      const connection = isHex32(connectionId)
        ? await tx.lockConnection(actor.tenantId, connectionId)
        : undefined;
      // A connection is visible only to the two entities it joins: for anyone else it does not exist.
      const side: ConnectionSide | null =
        connection?.sourceEntityId === actor.entityId
          ? 'source'
          : connection?.targetEntityId === actor.entityId
            ? 'target'
            : null;
      if (!connection || side === null) throw new AppError('CONNECTION_NOT_FOUND');
      if (!isAdmin(await loadAccess(tx, actor, [actor.entityId]), actor.entityId))
        throw new AppError('NOT_ENTITY_ADMIN');
      if (!actionSides[action].includes(side)) {
        throw new AppError(
          'CONNECTION_ACTION_NOT_ALLOWED',
          `Only an administrator of the ${actionSides[action].join(' or ')} entity can ${action} this connection.`,
        );
      }
      const next = transition(connection.status, action);
      if (next === null) {
        throw new AppError(
          'CONNECTION_ACTION_NOT_ALLOWED',
          `Cannot ${action} a connection whose status is ${connection.status}.`,
        );
      }
      const audit = {
        action: `connection.${action}`,
        resourceType: 'connection',
        resourceId: connection.id,
      } as const;
      if (next === 'Removed') {
        await tx.deleteConnection(actor.tenantId, connection.id);
        // The only trace of a denied request: Zuora has no Denied status (docs/CONTRACT.md §5 [D]).
        await recordAudit(tx, { clock, ids }, actor.tenantId, actor, {
          ...audit,
          before: connection,
          after: null,
        });
        return null;
      }
      const now = clock.now();
      await tx.updateConnectionStatus(actor.tenantId, connection.id, next, now);
      const updated = { ...connection, status: next, updatedAt: now };
      await recordAudit(tx, { clock, ids }, actor.tenantId, actor, {
        ...audit,
        before: connection,
        after: updated,
      });
      return updated;
    });
  }

  return {
    /**
     * `POST /v1/entity-connections`: the acting entity asks to connect to the target. `within`: the
     * transaction of the request's Idempotency-Key, which the writes join (domain/idempotency.ts).
     */
    async request(actor: Actor, targetEntityId: string, within?: Transactional): Promise<Connection> {
      return (within ?? store).transaction(async (tx) => {
        // Entity ids are 32 hex characters; Zuora's ids compare case-insensitively.
        const targetId = targetEntityId.toLowerCase();
        const access = await loadAccess(tx, actor, [actor.entityId, targetId]);
        if (!isAdmin(access, actor.entityId)) throw new AppError('NOT_ENTITY_ADMIN');
        // Both entities locked against deletion until the connection is in (FOR KEY SHARE: updates
        // and provisioning go on), so that no connection outlives an entity deleted meanwhile.
        const locked = await tx.lockEntities(
          actor.tenantId,
          isHex32(targetId) ? [actor.entityId, targetId] : [actor.entityId],
        );
        if (!locked.some((e) => e.id === actor.entityId)) throw new AppError('ENTITY_NOT_FOUND');
        const target = locked.find((e) => e.id === targetId);
        // Unknown and another tenant's entity answer alike, so no tenant learns of another's ids.
        if (!target)
          throw new AppError('ENTITY_NOT_FOUND', `The target entity ${targetEntityId} does not exist.`);
        if (target.id === actor.entityId) throw new AppError('CONNECTION_TO_SELF');
        if (!canAccess(access, target.id)) throw new AppError('TARGET_NOT_ACCESSIBLE');
        if (target.status !== 'Provisioned') {
          throw new AppError('ENTITY_NOT_PROVISIONED', 'The target entity is not provisioned.');
        }
        const now = clock.now();
        const connection: Connection = {
          id: ids.hex32(),
          tenantId: actor.tenantId,
          sourceEntityId: actor.entityId,
          targetEntityId: target.id,
          status: 'Pending',
          createdAt: now,
          updatedAt: now,
        };
        try {
          await tx.insertConnection(connection);
        } catch (error) {
          // The pair already has an open connection (this request's race or an older one): the
          // store's unique index is the check, which saves reading the pair before the insert.
          if (error instanceof UniqueViolation) throw new AppError('CONNECTION_EXISTS');
          throw error;
        }
        await recordAudit(tx, { clock, ids }, actor.tenantId, actor, {
          action: 'connection.request',
          resourceType: 'connection',
          resourceId: connection.id,
          before: null,
          after: connection,
        });
        return connection;
      });
    },

    /** `GET /v1/entity-connections`: the acting entity's connections, one page. */
    async list(actor: Actor, query: ConnectionListQuery) {
      const direction = query.type ?? 'both';
      const offset = (query.page - 1) * query.pageSize;
      // A page past 2^53 rows is past the end of any list; the driver cannot even bind such an offset.
      if (!Number.isSafeInteger(offset)) return { connections: [], hasMore: false };
      return store.listConnections(actor.tenantId, actor.entityId, direction, {
        offset,
        limit: query.pageSize,
      });
    },

    accept: (actor: Actor, connectionId: string) => act(actor, connectionId, 'accept'),
    deny: (actor: Actor, connectionId: string) => act(actor, connectionId, 'deny'),
    disconnect: (actor: Actor, connectionId: string) => act(actor, connectionId, 'disconnect'),
  };
}

export type ConnectionService = ReturnType<typeof createConnectionService>;
