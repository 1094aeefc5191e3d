import { type Static, Type } from 'typebox';
import { adminErrors, security, TAGS, TenantIdParams } from './admin-common.js';
import { ClientSecret, FixtureConnection, FixtureEntity, FixtureRole } from './fixture.js';

/**
 * The admin API (/admin/v1): tenants made from fixture bodies, their users and OAuth clients, their
 * clock and audit trail. Guarded by the operator token, not by OAuth.
 */

// --- Tenants -----------------------------------------------------------------------------------

/** An OAuth client in a tenant body: as in a fixture file, but the id and secret may be left to the server. */
export const AdminFixtureClient = Type.Object(
  {
    clientId: Type.Optional(Type.String({ minLength: 36, maxLength: 36 })),
    clientSecret: Type.Optional(ClientSecret),
    entities: Type.Array(Type.String({ minLength: 1 }), { description: 'Entity names the client is for.' }),
  },
  { additionalProperties: false },
);

export const AdminFixtureUser = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 255 }),
    homeEntity: Type.String({ minLength: 1 }),
    status: Type.Optional(Type.Union([Type.Literal('Active'), Type.Literal('Inactive')])),
    access: Type.Optional(Type.Record(Type.String(), FixtureRole)),
    clients: Type.Optional(Type.Array(AdminFixtureClient)),
  },
  { additionalProperties: false },
);

export const CreateTenantBody = Type.Object(
  {
    id: Type.Optional(
      Type.String({
        pattern: '^[0-9]{1,18}$',
        description: 'Digits. Random when left out, or derived from idSeed when that is given.',
      }),
    ),
    name: Type.String({ minLength: 1, maxLength: 255 }),
    apiVersion: Type.Optional(Type.String({ minLength: 1 })),
    idSeed: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 255,
        description:
          "Makes the tenant's generated ids (tenant, clients, connections, tokens' jti, audit events) the same on every run.",
      }),
    ),
    entities: Type.Array(FixtureEntity, { minItems: 1, maxItems: 1 }),
    users: Type.Optional(Type.Array(AdminFixtureUser)),
    connections: Type.Optional(Type.Array(FixtureConnection)),
  },
  {
    additionalProperties: false,
    title: 'AdminCreateTenant',
    description: 'One tenant in the fixture format (docs/FIXTURES.md), client ids and secrets optional.',
  },
);
export type CreateTenantBody = Static<typeof CreateTenantBody>;

const IdsByName = Type.Record(Type.String(), Type.String());

export const CreatedClient = Type.Object({
  clientId: Type.String(),
  clientSecret: Type.String({ description: 'Shown once: the server keeps only its hash.' }),
  username: Type.String(),
  entityIds: Type.Array(Type.String()),
});

export const ClockState = Type.Object(
  {
    time: Type.String({ description: "The tenant's current time, ISO 8601." }),
    frozen: Type.Boolean(),
    offsetMs: Type.Integer({ description: "The tenant's time minus the server's, while running." }),
  },
  { title: 'AdminClock' },
);

export const TenantSummary = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    apiVersion: Type.String(),
    createdAt: Type.String(),
    idSeed: Type.Union([Type.String(), Type.Null()]),
    resettable: Type.Boolean({
      description: 'Created through the admin API or by loading a fixture file, so POST …/reset restores it.',
    }),
  },
  { title: 'AdminTenantSummary' },
);

export const TenantDetail = Type.Object(
  {
    ...TenantSummary.properties,
    globalEntityId: Type.String(),
    entities: IdsByName,
    users: IdsByName,
    clock: ClockState,
  },
  { title: 'AdminTenant' },
);

export const CreatedTenant = Type.Object(
  {
    ...TenantDetail.properties,
    clients: Type.Array(CreatedClient),
  },
  { title: 'AdminCreatedTenant' },
);

export const createTenantRoute = {
  operationId: 'Admin_CreateTenant',
  tags: TAGS,
  security,
  summary: 'Create a tenant from a fixture',
  description:
    'Creates a whole tenant in one transaction and answers its ids, by name, and its OAuth clients with their secrets (shown once).',
  body: CreateTenantBody,
  response: { 201: CreatedTenant, ...adminErrors },
};

export const listTenantsRoute = {
  operationId: 'Admin_ListTenants',
  tags: TAGS,
  security,
  summary: 'List tenants',
  response: { 200: Type.Object({ tenants: Type.Array(TenantSummary) }), ...adminErrors },
};

export const getTenantRoute = {
  operationId: 'Admin_GetTenant',
  tags: TAGS,
  security,
  summary: 'Get a tenant',
  params: TenantIdParams,
  response: { 200: TenantDetail, ...adminErrors },
};

export const deleteTenantRoute = {
  operationId: 'Admin_DeleteTenant',
  tags: TAGS,
  security,
  summary: 'Delete a tenant and all its data',
  params: TenantIdParams,
  response: { 204: Type.Null(), ...adminErrors },
};

export const resetTenantRoute = {
  operationId: 'Admin_ResetTenant',
  tags: TAGS,
  security,
  summary: 'Reset a tenant to the fixture it was created from',
  description:
    'Removes everything the API changed or added since (fault rules and limit settings too), restores the fixture with the same ids and client credentials, sets the clock back to real time and restarts the id sequence.',
  params: TenantIdParams,
  response: { 200: TenantDetail, ...adminErrors },
};

// --- Users and OAuth clients -------------------------------------------------------------------

const Access = Type.Record(Type.String(), FixtureRole);

export const AdminUser = Type.Object(
  {
    id: Type.String(),
    username: Type.String(),
    homeEntityId: Type.String(),
    status: Type.Union([Type.Literal('Active'), Type.Literal('Inactive')]),
    access: Type.Record(Type.String(), Type.String(), {
      description: 'Entity id to role, Active memberships.',
    }),
  },
  { title: 'AdminUser' },
);

export const CreateUserBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 255 }),
    homeEntity: Type.String({ minLength: 1, description: 'An entity name or id.' }),
    access: Type.Optional(Access),
  },
  { additionalProperties: false, description: '`access`: entity name or id to role.' },
);
export type CreateUserBody = Static<typeof CreateUserBody>;

const UserParams = Type.Object({ tenantId: Type.String(), userId: Type.String() });

export const createUserRoute = {
  operationId: 'Admin_CreateUser',
  tags: TAGS,
  security,
  summary: 'Create a user',
  params: TenantIdParams,
  body: CreateUserBody,
  response: { 201: AdminUser, ...adminErrors },
};
export const listUsersRoute = {
  operationId: 'Admin_ListUsers',
  tags: TAGS,
  security,
  summary: "List a tenant's users",
  params: TenantIdParams,
  response: { 200: Type.Object({ users: Type.Array(AdminUser) }), ...adminErrors },
};
export const deactivateUserRoute = {
  operationId: 'Admin_DeactivateUser',
  tags: TAGS,
  security,
  summary: 'Deactivate a user',
  description: "The user's clients get no new tokens and its tokens stop working at once.",
  params: UserParams,
  response: { 200: AdminUser, ...adminErrors },
};

export const AdminClient = Type.Object(
  {
    clientId: Type.String(),
    userId: Type.String(),
    entityIds: Type.Array(Type.String()),
    status: Type.Union([Type.Literal('Active'), Type.Literal('Inactive')]),
  },
  { title: 'AdminClient' },
);

export const CreateClientBody = Type.Object(
  {
    user: Type.String({ minLength: 1, description: 'The user the client acts as: a user id or username.' }),
    entities: Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      description: 'Entity names or ids the user can access.',
    }),
    clientId: Type.Optional(Type.String({ minLength: 36, maxLength: 36 })),
    clientSecret: Type.Optional(ClientSecret),
  },
  { additionalProperties: false },
);
export type CreateClientBody = Static<typeof CreateClientBody>;

const ClientParams = Type.Object({ tenantId: Type.String(), clientId: Type.String() });

export const createClientRoute = {
  operationId: 'Admin_CreateClient',
  tags: TAGS,
  security,
  summary: 'Create an OAuth client',
  params: TenantIdParams,
  body: CreateClientBody,
  response: {
    201: Type.Object({
      ...AdminClient.properties,
      clientSecret: Type.String({ description: 'Shown once.' }),
    }),
    ...adminErrors,
  },
};
export const listClientsRoute = {
  operationId: 'Admin_ListClients',
  tags: TAGS,
  security,
  summary: "List a tenant's OAuth clients",
  params: TenantIdParams,
  response: { 200: Type.Object({ clients: Type.Array(AdminClient) }), ...adminErrors },
};
export const deactivateClientRoute = {
  operationId: 'Admin_DeactivateClient',
  tags: TAGS,
  security,
  summary: 'Deactivate an OAuth client',
  description: 'The client gets no new tokens and its tokens stop working at once.',
  params: ClientParams,
  response: { 200: AdminClient, ...adminErrors },
};

// --- Clock -------------------------------------------------------------------------------------

export const SetClockBody = Type.Object(
  {
    time: Type.Optional(
      Type.String({
        format: 'date-time',
        description:
          'The time the tenant sees from now on: 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z.',
      }),
    ),
    frozen: Type.Optional(
      Type.Boolean({ description: 'Whether the time stands still. Unchanged when left out.' }),
    ),
  },
  { additionalProperties: false },
);
export type SetClockBody = Static<typeof SetClockBody>;

/** Each amount is at most 100 years (36,525 days) in its unit; the clock must still read at most 9999-12-31. */
const Amount = (maximum: number) => Type.Optional(Type.Integer({ minimum: 0, maximum }));
export const ADVANCE_MAXIMA = {
  milliseconds: 36_525 * 86_400_000,
  seconds: 36_525 * 86_400,
  minutes: 36_525 * 1_440,
  hours: 36_525 * 24,
  days: 36_525,
} as const;
export const AdvanceClockBody = Type.Object(
  {
    milliseconds: Amount(ADVANCE_MAXIMA.milliseconds),
    seconds: Amount(ADVANCE_MAXIMA.seconds),
    minutes: Amount(ADVANCE_MAXIMA.minutes),
    hours: Amount(ADVANCE_MAXIMA.hours),
    days: Amount(ADVANCE_MAXIMA.days),
  },
  {
    additionalProperties: false,
    description:
      'Moves the clock forward by the sum of the amounts given: each at most 100 years in its unit, and the clock must then read at most 9999-12-31T23:59:59.999Z.',
  },
);
export type AdvanceClockBody = Static<typeof AdvanceClockBody>;

export const getClockRoute = {
  operationId: 'Admin_GetClock',
  tags: TAGS,
  security,
  summary: "Read a tenant's clock",
  params: TenantIdParams,
  response: { 200: ClockState, ...adminErrors },
};
export const setClockRoute = {
  operationId: 'Admin_SetClock',
  tags: TAGS,
  security,
  summary: "Set or freeze a tenant's clock",
  description:
    'The time every request of the tenant sees: token expiry (1 hour), Idempotency-Key expiry (24 hours), created and audit times.',
  params: TenantIdParams,
  body: SetClockBody,
  response: { 200: ClockState, ...adminErrors },
};
export const advanceClockRoute = {
  operationId: 'Admin_AdvanceClock',
  tags: TAGS,
  security,
  summary: "Advance a tenant's clock",
  params: TenantIdParams,
  body: AdvanceClockBody,
  response: { 200: ClockState, ...adminErrors },
};
export const resetClockRoute = {
  operationId: 'Admin_ResetClock',
  tags: TAGS,
  security,
  summary: "Put a tenant's clock back to real time",
  params: TenantIdParams,
  response: { 200: ClockState, ...adminErrors },
};

// --- Audit trail -------------------------------------------------------------------------------

export const AuditQuery = Type.Object(
  {
    resourceId: Type.Optional(
      Type.String({ description: 'Only changes to this entity, connection, user or client.' }),
    ),
    action: Type.Optional(Type.String({ description: "e.g. 'connection.deny'." })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);

export const AdminAuditEvent = Type.Object(
  {
    id: Type.String(),
    at: Type.String({ description: "ISO 8601, by the tenant's clock." }),
    action: Type.String(),
    resourceType: Type.String(),
    resourceId: Type.String(),
    userId: Type.Union([Type.String(), Type.Null()]),
    clientId: Type.Union([Type.String(), Type.Null()]),
    entityId: Type.Union([Type.String(), Type.Null()]),
    before: Type.Unknown(),
    after: Type.Unknown(),
  },
  { title: 'AdminAuditEvent' },
);

export const listAuditRoute = {
  operationId: 'Admin_ListAudit',
  tags: TAGS,
  security,
  summary: "A tenant's audit trail, newest first",
  description: 'Changes to entities, connections, access, users and clients, with who made them.',
  params: TenantIdParams,
  querystring: AuditQuery,
  response: { 200: Type.Object({ events: Type.Array(AdminAuditEvent) }), ...adminErrors },
};
