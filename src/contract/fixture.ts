import { type Static, Type } from 'typebox';
import { LimitSettings } from './admin-operations.js';

/**
 * The fixture file: a whole setup of tenants, entities, users, clients and connections
 * (docs/FIXTURES.md). Entities nest through `children`; each node is checked with
 * `FixtureEntity` level by level, so errors can name the exact path.
 */
/**
 * Client secrets: at least 16 characters (ours: a guessable secret makes every other defence moot)
 * and at most 42 (docs/CONTRACT.md §1, Zuora's form limit). Generated secrets are 40.
 */
export const MIN_CLIENT_SECRET_LENGTH = 16;
export const MAX_CLIENT_SECRET_LENGTH = 42;
export const ClientSecret = Type.String({
  minLength: MIN_CLIENT_SECRET_LENGTH,
  maxLength: MAX_CLIENT_SECRET_LENGTH,
  description: '16 to 42 characters.',
});

export const FixtureEntity = Type.Object(
  {
    id: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{32}$' })),
    name: Type.String({ minLength: 1, maxLength: 255 }),
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    locale: Type.String({ minLength: 1 }),
    timezone: Type.String({ minLength: 1 }),
    status: Type.Optional(Type.Union([Type.Literal('Provisioned'), Type.Literal('Unprovisioned')])),
    children: Type.Optional(Type.Array(Type.Unknown())),
  },
  { additionalProperties: false },
);

export const FixtureClient = Type.Object(
  {
    clientId: Type.String({ minLength: 36, maxLength: 36 }),
    clientSecret: ClientSecret,
    entities: Type.Array(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

export const FixtureRole = Type.Union([Type.Literal('Administrator'), Type.Literal('Standard User')]);

export const FixtureUser = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 255 }),
    homeEntity: Type.String({ minLength: 1 }),
    status: Type.Optional(Type.Union([Type.Literal('Active'), Type.Literal('Inactive')])),
    access: Type.Optional(Type.Record(Type.String(), FixtureRole)),
    clients: Type.Optional(Type.Array(FixtureClient)),
  },
  { additionalProperties: false },
);

export const FixtureConnection = Type.Object(
  {
    id: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{32}$' })),
    source: Type.String({ minLength: 1 }),
    target: Type.String({ minLength: 1 }),
    status: Type.Union([Type.Literal('Pending'), Type.Literal('Connected'), Type.Literal('Disconnected')]),
  },
  { additionalProperties: false },
);

export const FixtureTenant = Type.Object(
  {
    id: Type.Optional(Type.String({ pattern: '^[0-9]{1,18}$' })),
    name: Type.String({ minLength: 1, maxLength: 255 }),
    apiVersion: Type.Optional(Type.String({ minLength: 1 })),
    // As in the admin API's tenant body: the tenant's id when `id` is left out, and the ids its
    // requests generate, the same on every run.
    idSeed: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    entities: Type.Array(FixtureEntity, { minItems: 1, maxItems: 1 }),
    users: Type.Optional(Type.Array(FixtureUser)),
    connections: Type.Optional(Type.Array(FixtureConnection)),
    limits: Type.Optional(LimitSettings),
  },
  { additionalProperties: false },
);

export const Fixture = Type.Object({ tenants: Type.Array(FixtureTenant) }, { additionalProperties: false });

export type Fixture = Static<typeof Fixture>;
export type FixtureTenant = Static<typeof FixtureTenant>;
export type FixtureEntity = Static<typeof FixtureEntity>;
