import { isAdmin, userAccess } from './access.js';
import { recordAudit } from './audit.js';
import type { Clock } from './clock.js';
import {
  entityNameKey,
  isValidEntityName,
  isValidLocale,
  isValidTimezone,
  MAX_ENTITIES_PER_TENANT,
} from './entity-rules.js';
import { AppError } from './errors.js';
import { type IdGenerator, parseEntityId } from './ids.js';
import type { Actor, Entity } from './model.js';
import { type EntityStore, type StoreOps, type Transactional, UniqueViolation } from './ports/index.js';

export interface CreateEntityInput {
  name: string;
  displayName?: string | undefined;
  parentId: string;
  locale: string;
  timezone: string;
}

export interface UpdateEntityInput {
  name?: string | undefined;
  displayName?: string | undefined;
  locale?: string | undefined;
  timezone?: string | undefined;
}

export interface EntityDeps {
  store: Transactional & Pick<EntityStore, 'listEntities' | 'findEntity'>;
  clock: Clock;
  ids: IdGenerator;
}

type Tx = StoreOps;

/**
 * The tenant's entities, read after its row is locked (FOR NO KEY UPDATE on PostgreSQL): changes
 * to one tenant's hierarchy run one at a time, so that the 512-entity count, a parent's status and
 * a subtree's are still true when the change commits. Requests that only reference the tenant
 * (connections, tokens) are not held up.
 */
async function hierarchyOf(tx: Tx, tenantId: string): Promise<Entity[]> {
  await tx.lockTenant(tenantId, 'hierarchy');
  return tx.listEntities(tenantId);
}

/** Throws unless the actor's user is an Active Administrator of the tenant's global entity. */
async function requireGlobalAdmin(tx: Tx, actor: Actor, entities: readonly Entity[]): Promise<void> {
  const root = entities.find((e) => e.parentId === null);
  const user = await tx.findUser(actor.tenantId, actor.userId);
  if (!user) throw new AppError('TOKEN_INVALID');
  if (!root || !isAdmin(userAccess(user, await tx.listMemberships(user.id)), root.id)) {
    throw new AppError('NOT_GLOBAL_ADMIN');
  }
}

/** The entity a path id names in the actor's tenant; another tenant's id is as unknown as a made-up one. */
function pick(entities: readonly Entity[], rawId: string, role = 'entity'): Entity {
  const id = parseEntityId(rawId);
  const entity = id === null ? undefined : entities.find((e) => e.id === id);
  if (!entity) throw new AppError('ENTITY_NOT_FOUND', `The ${role} ${rawId} does not exist.`);
  return entity;
}

/** The entity and all its descendants, parents before children. */
function subtree(entities: readonly Entity[], rootId: string): Entity[] {
  const children = new Map<string, Entity[]>();
  for (const e of entities) {
    if (e.parentId === null) continue;
    const siblings = children.get(e.parentId) ?? [];
    siblings.push(e);
    children.set(e.parentId, siblings);
  }
  const found: Entity[] = [];
  const queue = entities.filter((e) => e.id === rootId);
  for (let next = queue.shift(); next; next = queue.shift()) {
    found.push(next);
    queue.push(...(children.get(next.id) ?? []));
  }
  return found;
}

function checkName(name: string): void {
  if (!isValidEntityName(name)) {
    throw new AppError(
      'VALIDATION_FAILED',
      'Invalid value for name: 1 to 255 letters, digits, spaces, periods or hyphens.',
    );
  }
}

function checkLocale(locale: string): void {
  if (!isValidLocale(locale)) {
    throw new AppError('VALIDATION_FAILED', `Invalid value for locale: '${locale}' is not a locale.`);
  }
}

function checkTimezone(timezone: string): void {
  if (!isValidTimezone(timezone)) {
    throw new AppError('VALIDATION_FAILED', `Invalid value for timezone: '${timezone}' is not a time zone.`);
  }
}

function nameTaken(entities: readonly Entity[], name: string, exceptId?: string): boolean {
  const key = entityNameKey(name);
  return entities.some((e) => entityNameKey(e.name) === key && e.id !== exceptId);
}

/** Inserts and renames hit the (tenant, name) unique index when a concurrent writer won the name. */
async function guardName<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof UniqueViolation) throw new AppError('ENTITY_NAME_TAKEN');
    throw error;
  }
}

/** Entities and the hierarchy (docs/CONTRACT.md §4): create, list, read, update, delete, provision. */
export function createEntityService({ store, clock, ids }: EntityDeps) {
  const audit = { clock, ids };

  return {
    /**
     * `POST /v1/entities`: a new Unprovisioned entity under an existing parent. `within`: the
     * transaction of the request's Idempotency-Key, which the writes join (domain/idempotency.ts).
     */
    async create(actor: Actor, input: CreateEntityInput, within?: Transactional): Promise<Entity> {
      return (within ?? store).transaction(async (tx) => {
        const entities = await hierarchyOf(tx, actor.tenantId);
        await requireGlobalAdmin(tx, actor, entities);
        checkName(input.name);
        checkLocale(input.locale);
        checkTimezone(input.timezone);
        const parent = pick(entities, input.parentId, 'parent entity');
        if (nameTaken(entities, input.name)) throw new AppError('ENTITY_NAME_TAKEN');
        if (entities.length >= MAX_ENTITIES_PER_TENANT) throw new AppError('ENTITY_LIMIT_REACHED');
        const entity: Entity = {
          id: ids.hex32(),
          tenantId: actor.tenantId,
          name: input.name,
          displayName: input.displayName ?? input.name,
          locale: input.locale,
          timezone: input.timezone,
          status: 'Unprovisioned',
          parentId: parent.id,
          createdAt: clock.now(),
        };
        await guardName(() => tx.insertEntity(entity));
        await recordAudit(tx, audit, actor.tenantId, actor, {
          action: 'entity.create',
          resourceType: 'entity',
          resourceId: entity.id,
          before: null,
          after: entity,
        });
        return entity;
      });
    },

    /** `GET /v1/entities`: the whole hierarchy of the actor's tenant, optionally by status. */
    async list(actor: Actor, filter: { provisioned?: boolean | undefined } = {}): Promise<Entity[]> {
      return store.listEntities(
        actor.tenantId,
        filter.provisioned === undefined ? undefined : { provisioned: filter.provisioned },
      );
    },

    /** `GET /v1/entities/{id}`. */
    async get(actor: Actor, rawId: string): Promise<Entity> {
      const id = parseEntityId(rawId);
      const entity = id === null ? undefined : await store.findEntity(actor.tenantId, id);
      if (!entity) throw new AppError('ENTITY_NOT_FOUND', `The entity ${rawId} does not exist.`);
      return entity;
    },

    /** `PUT /v1/entities/{id}`: name, displayName, locale, timezone; never the parent. */
    async update(actor: Actor, rawId: string, input: UpdateEntityInput): Promise<Entity> {
      return store.transaction(async (tx) => {
        const entities = await hierarchyOf(tx, actor.tenantId);
        await requireGlobalAdmin(tx, actor, entities);
        const entity = pick(entities, rawId);
        if (input.name !== undefined) checkName(input.name);
        if (input.locale !== undefined) checkLocale(input.locale);
        if (input.timezone !== undefined) checkTimezone(input.timezone);
        // Sending a frozen field's current value is no change, so a client may PUT back what it read.
        const changes = (field: 'locale' | 'timezone' | 'displayName') =>
          input[field] !== undefined && input[field] !== entity[field];
        if (entity.status === 'Provisioned' && (changes('locale') || changes('timezone'))) {
          throw new AppError('ENTITY_FIELD_FROZEN');
        }
        if (entity.parentId === null && changes('displayName')) {
          throw new AppError('GLOBAL_ENTITY_IMMUTABLE', "The global entity's displayName cannot be changed.");
        }
        if (input.name !== undefined && nameTaken(entities, input.name, entity.id)) {
          throw new AppError('ENTITY_NAME_TAKEN');
        }
        const patch = {
          ...(input.name !== undefined && { name: input.name }),
          ...(input.displayName !== undefined && { displayName: input.displayName }),
          ...(input.locale !== undefined && { locale: input.locale }),
          ...(input.timezone !== undefined && { timezone: input.timezone }),
        };
        const keys = Object.keys(patch) as (keyof typeof patch)[];
        if (!keys.some((key) => patch[key] !== entity[key])) return entity;
        const updated: Entity = { ...entity, ...patch };
        await guardName(() => tx.updateEntity(actor.tenantId, entity.id, patch));
        await recordAudit(tx, audit, actor.tenantId, actor, {
          action: 'entity.update',
          resourceType: 'entity',
          resourceId: entity.id,
          before: entity,
          after: updated,
        });
        return updated;
      });
    },

    /**
     * `DELETE /v1/entities/{id}`: an unprovisioned entity and all its sub-entities, with what names
     * them: connections, memberships, and the entity in OAuth clients' lists (docs/DECISIONS.md).
     */
    async remove(actor: Actor, rawId: string): Promise<Entity[]> {
      return store.transaction(async (tx) => {
        const entities = await hierarchyOf(tx, actor.tenantId);
        await requireGlobalAdmin(tx, actor, entities);
        const entity = pick(entities, rawId);
        if (entity.parentId === null) {
          throw new AppError('GLOBAL_ENTITY_IMMUTABLE', 'The global entity cannot be deleted.');
        }
        const doomed = subtree(entities, entity.id);
        // Provisioning needs a provisioned parent, so below an unprovisioned entity nothing should be
        // provisioned; the whole subtree is checked anyway, in case data was loaded some other way.
        if (doomed.some((e) => e.status === 'Provisioned')) throw new AppError('ENTITY_DELETE_PROVISIONED');
        const doomedIds = doomed.map((e) => e.id);
        const doomedSet = new Set(doomedIds);
        const homeless = (await tx.listUsers(actor.tenantId)).filter((u) => doomedSet.has(u.homeEntityId));
        if (homeless.length > 0) {
          throw new AppError(
            'ENTITY_IS_HOME',
            `The entity or one of its sub-entities is the home entity of ${homeless.length} user(s); move or remove them first.`,
          );
        }

        // The entities first: deleting their rows waits for any connection request that holds
        // them (lockEntities), so the connections deleted next include the one it made.
        await tx.deleteEntities(actor.tenantId, doomedIds);
        for (const connection of await tx.deleteConnectionsOfEntities(actor.tenantId, doomedIds)) {
          await recordAudit(tx, audit, actor.tenantId, actor, {
            action: 'connection.delete',
            resourceType: 'connection',
            resourceId: connection.id,
            before: connection,
            after: null,
          });
        }
        for (const membership of await tx.deleteMembershipsInEntities(doomedIds)) {
          await recordAudit(tx, audit, actor.tenantId, actor, {
            action: 'membership.delete',
            resourceType: 'membership',
            resourceId: `${membership.userId}:${membership.entityId}`,
            before: membership,
            after: null,
          });
        }
        for (const client of await tx.listClients(actor.tenantId)) {
          const kept = client.entityIds.filter((id) => !doomedSet.has(id));
          if (kept.length === client.entityIds.length) continue;
          await tx.setClientEntities(client.clientId, kept);
          await recordAudit(tx, audit, actor.tenantId, actor, {
            action: 'client.update',
            resourceType: 'client',
            resourceId: client.clientId,
            before: { entityIds: client.entityIds },
            after: { entityIds: kept },
          });
        }
        for (const gone of doomed) {
          await recordAudit(tx, audit, actor.tenantId, actor, {
            action: 'entity.delete',
            resourceType: 'entity',
            resourceId: gone.id,
            before: gone,
            after: null,
          });
        }
        return doomed;
      });
    },

    /** `PUT /v1/entities/{id}/provision`: one way, and only below a provisioned parent. */
    async provision(actor: Actor, rawId: string): Promise<Entity> {
      return store.transaction(async (tx) => {
        const entities = await hierarchyOf(tx, actor.tenantId);
        await requireGlobalAdmin(tx, actor, entities);
        const entity = pick(entities, rawId);
        if (entity.status === 'Provisioned') throw new AppError('ENTITY_ALREADY_PROVISIONED');
        const parent = entities.find((e) => e.id === entity.parentId);
        if (parent?.status !== 'Provisioned') throw new AppError('PARENT_NOT_PROVISIONED');
        await tx.updateEntity(actor.tenantId, entity.id, { status: 'Provisioned' });
        const provisioned: Entity = { ...entity, status: 'Provisioned' };
        await recordAudit(tx, audit, actor.tenantId, actor, {
          action: 'entity.provision',
          resourceType: 'entity',
          resourceId: entity.id,
          before: entity,
          after: provisioned,
        });
        return provisioned;
      });
    },
  };
}

export type EntityService = ReturnType<typeof createEntityService>;
