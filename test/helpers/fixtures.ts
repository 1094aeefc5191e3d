/**
 * The Acme tenant most tests use: a global entity with provisioned sub-entities US, EU and APAC and
 * an unprovisioned Lab, and users of every kind the permission rules tell apart.
 */
export const ids = {
  tenant: '6398',
  global: '8a808255557baba1015580e12fa5083a',
  us: '8a80825556ff28a4015708ba29312ecc',
  eu: '8a80825555a3c7a10155b460f53858e6',
  apac: '8a80825555a3c7a10155b46120d058e7',
  lab: '8a80825555a3c7a10155b46120d05800',
  otherTenant: '7001',
  otherGlobal: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  otherSub: 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
} as const;

const defaultIds = ids;

/** Client ids are 36 characters; secrets 16 to 42. */
export const clients = {
  /** Global admin, administrator everywhere, token for Global, US, EU and APAC. */
  globalAdmin: {
    id: '11111111-1111-4111-8111-111111111111',
    secret: 'global-admin-secret-0123456789abcdefghij',
  },
  /** Administrator of US only, with Standard access to EU; token for US and EU. */
  usAdmin: { id: '22222222-2222-4222-8222-222222222222', secret: 'us-admin-secret-0123' },
  /** Administrator of US only; token for US alone (no Zuora-Entity-Ids needed). */
  usAdminSingle: { id: '22222222-2222-4222-8222-333333333333', secret: 'us-admin-single-secret' },
  /** Administrator of EU; token for EU alone. */
  euAdmin: { id: '33333333-3333-4333-8333-333333333333', secret: 'eu-admin-secret-0123' },
  /** Standard user of Global and US. */
  standard: { id: '44444444-4444-4444-8444-444444444444', secret: 'standard-secret-0123' },
  /** Global admin of another tenant. */
  otherTenantAdmin: { id: '55555555-5555-4555-8555-555555555555', secret: 'other-tenant-secret' },
} as const;

const defaultClients = clients;

/** The ids of an Acme: `ids`, or a copy's (`acmeCopy`). */
export type AcmeIds = { readonly [name in keyof typeof ids]: string };
/** The OAuth clients of an Acme: `clients`, or a copy's. */
export type AcmeClients = {
  readonly [name in keyof typeof clients]: { readonly id: string; readonly secret: string };
};

/** An Acme's ids and clients: the fixture's own (`ids`, `clients`) or a copy's (`acmeCopy`). */
export interface Acme {
  ids: AcmeIds;
  clients: AcmeClients;
}

let copies = 0;

/**
 * Acme and the Other tenant again, under ids no other copy in this process has: entity ids and
 * client ids begin with the copy's number in 8 hex digits instead of their first 8 characters,
 * tenant ids end in it. Many copies live in one store, so that tests share an app and each still
 * starts from the whole fixture: a tenant per test instead of a database per test. Names,
 * usernames and secrets stay as they are (they are unique per tenant, not per store).
 */
export function acmeCopy(): Acme {
  copies += 1;
  const prefix = copies.toString(16).padStart(8, '0');
  const suffix = String(copies).padStart(6, '0');
  const entityIds = Object.fromEntries(
    Object.entries(ids).map(([name, id]) => [
      name,
      id.length === 32 ? `${prefix}${id.slice(8)}` : `${id}${suffix}`,
    ]),
  ) as AcmeIds;
  const clientIds = Object.fromEntries(
    Object.entries(clients).map(([name, client]) => [
      name,
      { ...client, id: `${prefix}${client.id.slice(8)}` },
    ]),
  ) as AcmeClients;
  return { ids: entityIds, clients: clientIds };
}

/** The Acme and Other tenants, with the ids and clients of `acme` when given (`acmeCopy`). */
export function acmeFixture(options: { apiVersion?: string; acme?: Acme } = {}) {
  const { ids, clients } = options.acme ?? { ids: defaultIds, clients: defaultClients };
  return {
    tenants: [
      {
        id: ids.tenant,
        name: 'Acme',
        apiVersion: options.apiVersion ?? '2024-05-20',
        entities: [
          {
            id: ids.global,
            name: 'Global',
            displayName: 'Acme',
            locale: 'en_US',
            timezone: 'GMT',
            children: [
              { id: ids.us, name: 'Acme-US', locale: 'en_US', timezone: 'America/Los_Angeles', children: [] },
              { id: ids.eu, name: 'Acme-EU', locale: 'de_DE', timezone: 'Europe/Berlin' },
              { id: ids.apac, name: 'Acme-APAC', locale: 'ja_JP', timezone: 'Asia/Tokyo' },
              { id: ids.lab, name: 'Acme-Lab', status: 'Unprovisioned', locale: 'en_US', timezone: 'UTC' },
            ],
          },
        ],
        users: [
          {
            username: 'admin@acme.test',
            homeEntity: 'Global',
            access: {
              Global: 'Administrator',
              'Acme-US': 'Administrator',
              'Acme-EU': 'Administrator',
              'Acme-APAC': 'Administrator',
            },
            clients: [
              {
                clientId: clients.globalAdmin.id,
                clientSecret: clients.globalAdmin.secret,
                entities: ['Global', 'Acme-US', 'Acme-EU', 'Acme-APAC'],
              },
            ],
          },
          {
            username: 'us-admin@acme.test',
            homeEntity: 'Acme-US',
            access: { 'Acme-US': 'Administrator', 'Acme-EU': 'Standard User' },
            clients: [
              {
                clientId: clients.usAdmin.id,
                clientSecret: clients.usAdmin.secret,
                entities: ['Acme-US', 'Acme-EU'],
              },
              {
                clientId: clients.usAdminSingle.id,
                clientSecret: clients.usAdminSingle.secret,
                entities: ['Acme-US'],
              },
            ],
          },
          {
            username: 'eu-admin@acme.test',
            homeEntity: 'Acme-EU',
            access: { 'Acme-EU': 'Administrator' },
            clients: [
              { clientId: clients.euAdmin.id, clientSecret: clients.euAdmin.secret, entities: ['Acme-EU'] },
            ],
          },
          {
            username: 'clerk@acme.test',
            homeEntity: 'Global',
            access: { Global: 'Standard User', 'Acme-US': 'Standard User' },
            clients: [
              {
                clientId: clients.standard.id,
                clientSecret: clients.standard.secret,
                entities: ['Global', 'Acme-US'],
              },
            ],
          },
        ],
        connections: [],
      },
      {
        id: ids.otherTenant,
        name: 'Other',
        entities: [
          {
            id: ids.otherGlobal,
            name: 'Global',
            locale: 'en_GB',
            timezone: 'Europe/London',
            children: [{ id: ids.otherSub, name: 'Other-UK', locale: 'en_GB', timezone: 'Europe/London' }],
          },
        ],
        users: [
          {
            username: 'admin@other.test',
            homeEntity: 'Global',
            access: { Global: 'Administrator', 'Other-UK': 'Administrator' },
            clients: [
              {
                clientId: clients.otherTenantAdmin.id,
                clientSecret: clients.otherTenantAdmin.secret,
                entities: ['Global', 'Other-UK'],
              },
            ],
          },
        ],
      },
    ],
  };
}

/** The tenant of `wideFixture`: one administrator of every entity, one client scoped to all of them. */
export const wide = {
  tenant: '6400',
  client: { id: '66666666-6666-4666-8666-666666666666', secret: 'wide-admin-secret-0123456789abcdefghij' },
  /** Entity ids: the global entity first, then its provisioned children. */
  entityIds: (children: number) =>
    Array.from({ length: children + 1 }, (_, i) => `c0ffee${String(i).padStart(26, '0')}`),
} as const;

/**
 * A tenant of a global entity and `children` provisioned sub-entities, whose one user administers
 * them all: enough ordered pairs for many requests that share no pair.
 */
export function wideFixture(children: number) {
  const entityIds = wide.entityIds(children);
  const names = entityIds.map((_, i) => (i === 0 ? 'Global' : `Wide-${i}`));
  return {
    tenants: [
      {
        id: wide.tenant,
        name: 'Wide',
        entities: [
          {
            id: entityIds[0],
            name: 'Global',
            locale: 'en_US',
            timezone: 'UTC',
            children: entityIds.slice(1).map((id, i) => ({
              id,
              name: names[i + 1],
              locale: 'en_US',
              timezone: 'UTC',
            })),
          },
        ],
        users: [
          {
            username: 'admin@wide.test',
            homeEntity: 'Global',
            access: Object.fromEntries(names.map((name) => [name, 'Administrator'])),
            clients: [{ clientId: wide.client.id, clientSecret: wide.client.secret, entities: names }],
          },
        ],
      },
    ],
  };
}

/** Every ordered pair of distinct ids. */
export function orderedPairs(entityIds: readonly string[]): [string, string][] {
  return entityIds.flatMap((from) =>
    entityIds.filter((to) => to !== from).map((to): [string, string] => [from, to]),
  );
}
