import type { CreateClientBody, CreateUserBody } from '../../contract/admin.js';
import { canAccess, userAccess } from '../access.js';
import { recordAudit } from '../audit.js';
import { AppError } from '../errors.js';
import type { IdGenerator } from '../ids.js';
import type { Membership, OAuthClient, Role, User } from '../model.js';
import type { Store, StoreOps, UserWithMemberships } from '../ports/index.js';
import { hashSecret } from '../secrets.js';
import type { TenantClock } from '../tenant-clock.js';
import type { TenantContexts } from '../tenant-context.js';
import { inTenant, SECRET_LENGTH, takenError, tenantOrThrow } from './admin-support.js';

/** A user with its memberships: what the admin API shows of a user. */
export type UserWithAccess = UserWithMemberships;

/**
 * What the audit trail records of a user and of a client. Kept apart from the admin API's views
 * (http/routes/admin-views.ts), which show the same fields today: a recorded event keeps its form
 * when a view changes.
 */
function auditedUser(user: User, memberships: Membership[]) {
  const access: Record<string, Role> = {};
  for (const m of memberships) if (m.status === 'Active') access[m.entityId] = m.role;
  return {
    id: user.id,
    username: user.username,
    homeEntityId: user.homeEntityId,
    status: user.status,
    access,
  };
}
function auditedClient(client: OAuthClient) {
  return {
    clientId: client.clientId,
    userId: client.userId,
    entityIds: client.entityIds,
    status: client.status ?? 'Active',
  };
}

/** An entity named by name or by id, in the tenant. */
async function entityRef(
  tx: Pick<StoreOps, 'findEntityByName' | 'findEntity'>,
  tenantId: string,
  ref: string,
) {
  const entity =
    (await tx.findEntityByName(tenantId, ref)) ?? (await tx.findEntity(tenantId, ref.toLowerCase()));
  if (!entity) throw new AppError('ENTITY_NOT_FOUND', `No entity named or with id '${ref}' in this tenant.`);
  return entity;
}

/**
 * The operator's users and OAuth clients of a tenant: create, list, deactivate. Changes run in the
 * tenant's context (its clock, its seeded ids) and are audited with no actor.
 */
export function createUserAdminService({
  store,
  clock,
  ids,
  contexts,
}: {
  store: Pick<Store, 'transaction' | 'findTenantOverview' | 'listUsersWithMemberships' | 'listClients'>;
  clock: TenantClock;
  ids: IdGenerator;
  contexts: TenantContexts;
}) {
  const audit = { clock, ids };

  return {
    async createUser(tenantId: string, body: CreateUserBody): Promise<UserWithAccess> {
      return inTenant(contexts, tenantId, () =>
        store
          .transaction(async (tx) => {
            const home = await entityRef(tx, tenantId, body.homeEntity);
            const roles = new Map<string, Role>();
            for (const [ref, role] of Object.entries(body.access ?? {})) {
              roles.set((await entityRef(tx, tenantId, ref)).id, role);
            }
            if (!roles.has(home.id)) roles.set(home.id, 'Standard User');
            const now = clock.now();
            const user: User = {
              id: ids.hex32(),
              tenantId,
              username: body.username,
              homeEntityId: home.id,
              status: 'Active',
              createdAt: now,
            };
            await tx.insertUser(user);
            const memberships: Membership[] = [...roles].map(([entityId, role]) => ({
              userId: user.id,
              entityId,
              role,
              status: 'Active',
              updatedAt: now,
            }));
            for (const m of memberships) await tx.upsertMembership(m);
            await recordAudit(tx, audit, tenantId, null, {
              action: 'user.create',
              resourceType: 'user',
              resourceId: user.id,
              before: null,
              after: auditedUser(user, memberships),
            });
            return { user, memberships };
          })
          .catch(takenError),
      );
    },

    async listUsers(tenantId: string): Promise<UserWithAccess[]> {
      await tenantOrThrow(store, tenantId);
      return store.listUsersWithMemberships(tenantId);
    },

    /** The user's clients get no new tokens and its tokens stop at once (auth-service checks the status). */
    async deactivateUser(tenantId: string, userId: string): Promise<UserWithAccess> {
      return inTenant(contexts, tenantId, () =>
        store.transaction(async (tx) => {
          const user = await tx.findUser(tenantId, userId);
          if (!user) throw new AppError('USER_NOT_FOUND');
          const memberships = await tx.listMemberships(user.id);
          await tx.setUserStatus(tenantId, userId, 'Inactive');
          if (user.status !== 'Inactive') {
            await recordAudit(tx, audit, tenantId, null, {
              action: 'user.deactivate',
              resourceType: 'user',
              resourceId: userId,
              before: { status: user.status },
              after: { status: 'Inactive' },
            });
          }
          return { user: { ...user, status: 'Inactive' }, memberships };
        }),
      );
    },

    async createClient(
      tenantId: string,
      body: CreateClientBody,
    ): Promise<{ client: OAuthClient; clientSecret: string }> {
      return inTenant(contexts, tenantId, () =>
        store
          .transaction(async (tx) => {
            const user =
              (await tx.findUser(tenantId, body.user)) ?? (await tx.findUserByUsername(tenantId, body.user));
            if (!user)
              throw new AppError(
                'USER_NOT_FOUND',
                `No user with id or username '${body.user}' in this tenant.`,
              );
            const access = userAccess(user, await tx.listMemberships(user.id));
            const entityIds: string[] = [];
            for (const ref of body.entities) {
              const entity = await entityRef(tx, tenantId, ref);
              if (!canAccess(access, entity.id) && user.homeEntityId !== entity.id) {
                throw new AppError('VALIDATION_FAILED', `The user has no access to entity '${ref}'.`);
              }
              if (!entityIds.includes(entity.id)) entityIds.push(entity.id);
            }
            const clientSecret = body.clientSecret ?? ids.secret(SECRET_LENGTH);
            const client: OAuthClient = {
              clientId: body.clientId ?? ids.uuid(),
              tenantId,
              userId: user.id,
              secretHash: hashSecret(clientSecret),
              entityIds,
              createdAt: clock.now(),
              status: 'Active',
            };
            await tx.insertClient(client);
            await recordAudit(tx, audit, tenantId, null, {
              action: 'client.create',
              resourceType: 'client',
              resourceId: client.clientId,
              before: null,
              after: auditedClient(client),
            });
            return { client, clientSecret };
          })
          .catch(takenError),
      );
    },

    async listClients(tenantId: string): Promise<OAuthClient[]> {
      await tenantOrThrow(store, tenantId);
      return store.listClients(tenantId);
    },

    /** The client gets no new tokens and its tokens stop at once (auth-service checks the status). */
    async deactivateClient(tenantId: string, clientId: string): Promise<OAuthClient> {
      return inTenant(contexts, tenantId, () =>
        store.transaction(async (tx) => {
          const client = await tx.findClient(clientId);
          if (!client || client.tenantId !== tenantId) throw new AppError('CLIENT_NOT_FOUND');
          await tx.setClientStatus(clientId, 'Inactive');
          if (client.status !== 'Inactive') {
            await recordAudit(tx, audit, tenantId, null, {
              action: 'client.deactivate',
              resourceType: 'client',
              resourceId: clientId,
              before: { status: client.status ?? 'Active' },
              after: { status: 'Inactive' },
            });
          }
          return { ...client, status: 'Inactive' };
        }),
      );
    },
  };
}
