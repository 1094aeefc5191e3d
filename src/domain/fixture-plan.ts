import { createHash } from 'node:crypto';
import type { TSchema } from 'typebox';
import Value from 'typebox/value';
import {
  Fixture,
  type Fixture as FixtureData,
  FixtureEntity,
  type FixtureEntity as FixtureEntityData,
  type FixtureTenant,
} from '../contract/fixture.js';
import { parseApiVersion } from './api-version.js';
import {
  entityNameKey,
  isValidEntityName,
  isValidLocale,
  isValidTimezone,
  MAX_ENTITIES_PER_TENANT,
  MAX_HIERARCHY_DEPTH,
} from './entity-rules.js';
import type { Connection, Entity, Membership, Role, User } from './model.js';
import type { LimitSettings } from './rate-limits.js';
import { hashSecret } from './secrets.js';
import { seededTenantId } from './seeded-ids.js';

/**
 * Planning a fixture: its tenants checked against every rule a live API call would apply and turned
 * into the records they stand for, before anything is written (`tenant-writer.ts` writes them).
 */

/** A fixture that cannot be loaded; the message names the field at fault. */
export class FixtureError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'FixtureError';
  }
}

/** The API version a tenant gets when its fixture names none: the modern one (docs/CONTRACT.md §2 [D]). */
export const DEFAULT_API_VERSION = '2024-05-20';

function pointerToPath(base: string, pointer: string): string {
  let path = base;
  for (const part of pointer.split('/').slice(1)) path += /^\d+$/.test(part) ? `[${part}]` : `.${part}`;
  return path;
}

function checkShape(schema: TSchema, value: unknown, base: string): void {
  if (Value.Check(schema, value)) return;
  // The most specific error names the deepest field; "additionalProperties" names the unknown key.
  const errors = [...Value.Errors(schema, value)].filter((e) => e.keyword !== 'boolean');
  const first = errors.sort((a, b) => b.instancePath.length - a.instancePath.length)[0];
  if (!first) throw new FixtureError(base, 'invalid');
  const path = pointerToPath(base, first.instancePath);
  if (first.keyword === 'additionalProperties') {
    const extra = (first.params as { additionalProperties?: string[] }).additionalProperties ?? [];
    throw new FixtureError(`${path}.${extra[0] ?? ''}`, 'unknown field');
  }
  if (first.keyword === 'required') {
    const missing = (first.params as { requiredProperties?: string[] }).requiredProperties ?? [];
    throw new FixtureError(`${path}.${missing[0] ?? ''}`, 'required field is missing');
  }
  if (first.keyword === 'const') {
    // A union of literals fails once per literal: name them all.
    const allowed = errors
      .filter((e) => e.keyword === 'const' && e.instancePath === first.instancePath)
      .map((e) => `'${String((e.params as { allowedValue?: unknown }).allowedValue)}'`);
    throw new FixtureError(path, `must be one of ${allowed.join(', ')}`);
  }
  if (/^\/tenants\/\d+\/entities$/.test(first.instancePath)) {
    throw new FixtureError(path, 'a tenant has exactly one root entity: the global entity');
  }
  throw new FixtureError(path, first.message);
}

/** Ids the fixture leaves out are derived from names, so loading the same fixture twice gives the same ids. */
function derive(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex');
}
export function deriveTenantId(name: string): string {
  return String(BigInt(`0x${derive('tenant', name).slice(0, 12)}`) % 1_000_000_000n).padStart(9, '1');
}

interface FlatEntity {
  node: FixtureEntityData;
  path: string;
  parentName: string | null;
}

/**
 * The entities in document order, parents first. A loop over an explicit stack, not recursion, and
 * bounded in depth and count as it goes: a body nested 10,000 levels deep is a 400 naming the
 * limit, not a stack overflow.
 */
function flattenEntities(root: unknown, base: string): FlatEntity[] {
  const out: FlatEntity[] = [];
  const stack: { node: unknown; path: string; parentName: string | null; depth: number }[] = [
    { node: root, path: base, parentName: null, depth: 1 },
  ];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const { node, path, parentName, depth } = next;
    if (depth > MAX_HIERARCHY_DEPTH) {
      throw new FixtureError(base, `a hierarchy is at most ${MAX_HIERARCHY_DEPTH} levels deep`);
    }
    checkShape(FixtureEntity, node, path);
    const entity = node as FixtureEntityData;
    out.push({ node: entity, path, parentName });
    if (out.length > MAX_ENTITIES_PER_TENANT) break;
    const children = entity.children ?? [];
    for (let i = children.length - 1; i >= 0; i--) {
      stack.push({
        node: children[i],
        path: `${path}.children[${i}]`,
        parentName: entity.name,
        depth: depth + 1,
      });
    }
  }
  return out;
}

/** The records a fixture tenant stands for, checked against every rule a live API call would apply. */
export interface PlannedTenant {
  tenant: { id: string; name: string; apiVersion: string };
  entities: Omit<Entity, 'createdAt'>[];
  users: {
    user: Omit<User, 'createdAt'>;
    memberships: Omit<Membership, 'updatedAt'>[];
    clients: PlannedClient[];
  }[];
  connections: Omit<Connection, 'createdAt' | 'updatedAt'>[];
  /** The tenant's limit profile (docs/ADMIN-API.md: Zuora's limits), when the fixture sets one. */
  limits?: LimitSettings;
}

/** A client's secret is not part of its plan: it is kept only as a hash (`StoredFixture.secretHashes`). */
export interface PlannedClient {
  clientId: string;
  userId: string;
  entityIds: string[];
}

/** Checks one tenant against every rule but its shape (`planFixture` checks that first). */
function planTenant(data: FixtureTenant, base: string): PlannedTenant {
  if (data.apiVersion !== undefined && parseApiVersion(data.apiVersion) === null) {
    throw new FixtureError(
      `${base}.apiVersion`,
      `'${data.apiVersion}' is not a Zuora-Version: a date such as 2024-05-20 or a number such as 211.0`,
    );
  }
  const tenantId =
    data.id ?? (data.idSeed !== undefined ? seededTenantId(data.idSeed) : deriveTenantId(data.name));
  const flat = flattenEntities(data.entities[0], `${base}.entities[0]`);
  if (flat.length > MAX_ENTITIES_PER_TENANT) {
    throw new FixtureError(`${base}.entities`, `at most ${MAX_ENTITIES_PER_TENANT} entities per tenant`);
  }
  const byName = new Map<string, Omit<Entity, 'createdAt'>>();
  const byKey = new Set<string>();
  const ids = new Set<string>();
  for (const { node, path, parentName } of flat) {
    if (!isValidEntityName(node.name)) {
      throw new FixtureError(
        `${path}.name`,
        'only letters, digits, space, period and hyphen are allowed, with no space at either end',
      );
    }
    if (byKey.has(entityNameKey(node.name))) {
      throw new FixtureError(`${path}.name`, `duplicate entity name '${node.name}' (case and width aside)`);
    }
    byKey.add(entityNameKey(node.name));
    if (!isValidLocale(node.locale))
      throw new FixtureError(`${path}.locale`, `unknown locale '${node.locale}'`);
    if (!isValidTimezone(node.timezone)) {
      throw new FixtureError(`${path}.timezone`, `unknown time zone '${node.timezone}'`);
    }
    const parent = parentName === null ? null : byName.get(parentName);
    const status = parent === null ? 'Provisioned' : (node.status ?? 'Provisioned');
    if (parent === null && node.status === 'Unprovisioned') {
      throw new FixtureError(`${path}.status`, 'the global entity is always Provisioned');
    }
    if (parent && status === 'Provisioned' && parent.status !== 'Provisioned') {
      throw new FixtureError(`${path}.status`, 'a provisioned entity needs a provisioned parent');
    }
    const id = node.id?.toLowerCase() ?? derive('entity', tenantId, node.name).slice(0, 32);
    if (ids.has(id)) throw new FixtureError(`${path}.id`, `duplicate entity id '${id}'`);
    ids.add(id);
    byName.set(node.name, {
      id,
      tenantId,
      name: node.name,
      displayName: node.displayName ?? (parent === null ? data.name : node.name),
      locale: node.locale,
      timezone: node.timezone,
      status,
      parentId: parent?.id ?? null,
    });
  }
  const entityId = (name: string, path: string): string => {
    const entity = byName.get(name);
    if (!entity) throw new FixtureError(path, `no entity named '${name}' in this tenant`);
    return entity.id;
  };

  const usernames = new Set<string>();
  const users = (data.users ?? []).map((u, i) => {
    const path = `${base}.users[${i}]`;
    if (usernames.has(u.username))
      throw new FixtureError(`${path}.username`, `duplicate username '${u.username}'`);
    usernames.add(u.username);
    const userId = derive('user', tenantId, u.username).slice(0, 32);
    const homeEntityId = entityId(u.homeEntity, `${path}.homeEntity`);
    const roles = new Map<string, Role>(
      Object.entries(u.access ?? {}).map(([name, role]) => [entityId(name, `${path}.access.${name}`), role]),
    );
    // The home entity is always accessible; its role is the one `access` gives, else Standard User.
    if (!roles.has(homeEntityId)) roles.set(homeEntityId, 'Standard User');
    const memberships = [...roles].map(([id, role]) => ({
      userId,
      entityId: id,
      role,
      status: 'Active' as const,
    }));
    const clients = (u.clients ?? []).map((c, j) => ({
      clientId: c.clientId,
      userId,
      entityIds: c.entities.map((name, k) => {
        const id = entityId(name, `${path}.clients[${j}].entities[${k}]`);
        if (!roles.has(id)) {
          throw new FixtureError(
            `${path}.clients[${j}].entities[${k}]`,
            `the user has no access to '${name}'`,
          );
        }
        return id;
      }),
    }));
    return {
      user: { id: userId, tenantId, username: u.username, homeEntityId, status: u.status ?? 'Active' },
      memberships,
      clients,
    };
  });

  // A derived id counts the connections of the same pair before it, not its place in the list, so
  // adding or moving other connections in the fixture leaves it unchanged.
  const pairOccurrences = new Map<string, number>();
  const derivedConnectionId = (source: string, target: string): string => {
    const pair = `${source}\u0000${target}`;
    const occurrence = pairOccurrences.get(pair) ?? 0;
    pairOccurrences.set(pair, occurrence + 1);
    return derive('connection', tenantId, source, target, String(occurrence)).slice(0, 32);
  };
  const openPairs = new Set<string>();
  const connections = (data.connections ?? []).map((c, i) => {
    const path = `${base}.connections[${i}]`;
    const sourceEntityId = entityId(c.source, `${path}.source`);
    const targetEntityId = entityId(c.target, `${path}.target`);
    if (sourceEntityId === targetEntityId)
      throw new FixtureError(`${path}.target`, 'an entity cannot connect to itself');
    for (const [field, id] of [
      ['source', sourceEntityId],
      ['target', targetEntityId],
    ] as const) {
      if ([...byName.values()].find((e) => e.id === id)?.status !== 'Provisioned') {
        throw new FixtureError(`${path}.${field}`, 'connections join provisioned entities only');
      }
    }
    if (c.status !== 'Disconnected') {
      const pair = `${sourceEntityId}>${targetEntityId}`;
      if (openPairs.has(pair)) {
        throw new FixtureError(path, 'at most one Pending or Connected connection per source and target');
      }
      openPairs.add(pair);
    }
    return {
      id: c.id?.toLowerCase() ?? derivedConnectionId(c.source, c.target),
      tenantId,
      sourceEntityId,
      targetEntityId,
      status: c.status,
    };
  });

  return {
    tenant: { id: tenantId, name: data.name, apiVersion: data.apiVersion ?? DEFAULT_API_VERSION },
    entities: [...byName.values()],
    users,
    connections,
    ...(data.limits ? { limits: data.limits } : {}),
  };
}

/** Checks a parsed fixture against its format and every rule; throws FixtureError naming the field. */
export function planFixture(value: unknown): PlannedTenant[] {
  checkShape(Fixture, value, 'fixture');
  const data = value as FixtureData;
  const plans = data.tenants.map((t, i) => planTenant(t, `fixture.tenants[${i}]`));
  const tenantIds = new Set<string>();
  const clientIds = new Set<string>();
  // Entity and connection ids are unique across tenants (primary keys), not only within one.
  const entityIds = new Set<string>();
  const connectionIds = new Set<string>();
  plans.forEach((plan, i) => {
    if (tenantIds.has(plan.tenant.id))
      throw new FixtureError(`fixture.tenants[${i}].id`, 'duplicate tenant id');
    tenantIds.add(plan.tenant.id);
    for (const entity of plan.entities) {
      if (entityIds.has(entity.id)) {
        throw new FixtureError(`fixture.tenants[${i}].entities`, `duplicate entity id '${entity.id}'`);
      }
      entityIds.add(entity.id);
    }
    plan.connections.forEach((c, k) => {
      if (connectionIds.has(c.id)) {
        throw new FixtureError(
          `fixture.tenants[${i}].connections[${k}].id`,
          `duplicate connection id '${c.id}'`,
        );
      }
      connectionIds.add(c.id);
    });
    plan.users.forEach((u, j) => {
      u.clients.forEach((c, k) => {
        if (clientIds.has(c.clientId)) {
          throw new FixtureError(
            `fixture.tenants[${i}].users[${j}].clients[${k}].clientId`,
            'duplicate client id',
          );
        }
        clientIds.add(c.clientId);
      });
    });
  });
  return plans;
}

/** What a tenant keeps for reset: its fixture with every id resolved, and its clients' secret hashes. */
export interface StoredFixture {
  tenant: FixtureTenant;
  secretHashes: Record<string, string>;
}

/**
 * The form a tenant keeps for reset, from its fixture with the tenant and client ids filled in
 * (entity, user and connection ids derive from those again on reset). Secrets are kept only as
 * salted hashes; the seed is the tenant's state, not part of its fixture.
 */
export function storedFixture(resolved: FixtureTenant & { id: string }): StoredFixture {
  const { idSeed: _seed, ...tenant } = resolved;
  const secretHashes: Record<string, string> = {};
  return {
    tenant: {
      ...tenant,
      users: tenant.users?.map((u) => ({
        ...u,
        clients: u.clients?.map((c) => {
          secretHashes[c.clientId] = hashSecret(c.clientSecret);
          return { ...c, clientSecret: '' };
        }),
      })),
    },
    secretHashes,
  };
}

/**
 * The plan of a tenant's stored fixture, for reset. Its shape was checked when it was stored, and
 * its secrets are blank by design (only their hashes are kept), so only the rules are checked again.
 */
export function planStoredTenant(stored: StoredFixture): PlannedTenant {
  return planTenant(stored.tenant, 'fixture.tenants[0]');
}
