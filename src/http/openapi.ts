import type { FastifySchema } from 'fastify';
import { DEMO_CLIENT_IDS, demoPlan } from '../domain/demo-tenant.js';

/**
 * Zuora's path parameter names that Fastify's router cannot spell (a hyphen ends a parameter
 * name there): the route uses the key, the OpenAPI document shows the value.
 */
const ZUORA_PARAM_NAMES: Record<string, string> = { connectionId: 'connection-id' };

interface TransformInput {
  schema: FastifySchema;
  url: string;
}

export function zuoraPathParameters({ schema, url }: TransformInput): TransformInput {
  let zuoraUrl = url;
  let params = schema?.params as { properties?: Record<string, unknown>; required?: string[] } | undefined;
  for (const [ours, theirs] of Object.entries(ZUORA_PARAM_NAMES)) {
    if (!zuoraUrl.includes(`:${ours}`)) continue;
    zuoraUrl = zuoraUrl.replace(`:${ours}`, `{${theirs}}`);
    if (params?.properties?.[ours]) {
      const { [ours]: definition, ...rest } = params.properties;
      params = {
        ...params,
        properties: { ...rest, [theirs]: definition },
        required: (params.required ?? [ours]).map((r) => (r === ours ? theirs : r)),
      };
    }
  }
  return { schema: params ? { ...schema, params } : schema, url: zuoraUrl };
}

// --- The /docs page: security schemes, descriptions, examples, response names ------------------

/**
 * Swagger UI's Authorize dialog: the OAuth 2 client credentials flow gets a token from a client id
 * and secret (Swagger UI sends them as HTTP Basic, which /oauth/token accepts), a bearer token can
 * be pasted instead, and Zuora-Entity-Ids is set once for every call rather than per operation.
 */
export const securitySchemes = {
  oauth2: {
    type: 'oauth2',
    description:
      "A client id and secret: the demo tenant's are printed on the first start and by `multientity env` (CLIENT_ID, CLIENT_SECRET).",
    flows: { clientCredentials: { tokenUrl: '/oauth/token', scopes: {} } },
  },
  bearerAuth: { type: 'http', scheme: 'bearer', description: 'A token from POST /oauth/token, pasted.' },
  entityIds: {
    type: 'apiKey',
    in: 'header',
    name: 'Zuora-Entity-Ids',
    description:
      "The entity a request acts in: needed when the token's scope holds more than one entity. The demo's global entity is GLOBAL_ID.",
  },
  operatorToken: {
    type: 'http',
    scheme: 'bearer',
    description: 'The operator token (MULTIENTITY_OPERATOR_TOKEN), for /admin/v1.',
  },
} as const;

/** Any of the two ways to a token, with the entity header or without (one token, one entity). */
export const security: Record<string, string[]>[] = [
  { oauth2: [], entityIds: [] },
  { bearerAuth: [], entityIds: [] },
];

/** What the page shows of one operation beyond its schemas. */
interface OperationDocs {
  /** Used when the route's schema has no description of its own. */
  description: string;
  /** The name of the success response (Fastify's swagger says "Default Response" otherwise). */
  success: string;
  body?: unknown;
  params?: Record<string, unknown>;
  query?: Record<string, unknown>;
}

/**
 * Examples are the demo tenant's ids (the same on every machine), so that Try it out on a fresh
 * server works against the tenant the first start made.
 */
function operationDocs(): Record<string, OperationDocs> {
  const plan = demoPlan();
  const entity = (name: string) => plan.entities.find((e) => e.name === name)?.id ?? '';
  const user = (name: string) => plan.users.find((u) => u.user.username === name)?.user.id ?? '';
  const [GLOBAL, US, EU, APAC] = ['Global', 'Acme-US', 'Acme-EU', 'Acme-APAC'].map(entity);
  const tenantId = { tenantId: plan.tenant.id };
  // An id of the form the server makes; no such connection or rule exists until one is created.
  const anId = '2c92c0f96d1f4a2b8e3a5b7c9d0e1f20';
  return {
    createToken: {
      description:
        'Exchanges an OAuth client id and secret (form fields, or HTTP Basic) for a bearer token valid for an hour, whose scope lists the entities it may act in.',
      success: 'A bearer token, valid for an hour',
      body: {
        client_id: DEMO_CLIENT_IDS.admin,
        client_secret: 'the CLIENT_SECRET printed on the first start',
        grant_type: 'client_credentials',
      },
    },
    POST_Entities: {
      description:
        'Adds an Unprovisioned entity under a parent. For an Active administrator of the global entity, acting in any entity of the token.',
      success: 'The new entity, Unprovisioned',
      body: {
        name: 'Acme-Asia',
        displayName: 'Acme Asia',
        parentId: GLOBAL,
        locale: 'zh_CN',
        timezone: 'Asia/Harbin',
      },
    },
    GET_Entities: {
      description: "The whole hierarchy of the caller's tenant, for any entity user.",
      success: 'The entities',
      query: { provisioned: true },
    },
    GET_EntityById: {
      description: 'One entity, for any entity user.',
      success: 'The entity',
      params: { id: US },
    },
    PUT_Entities: {
      description:
        "Renames an entity; locale and timezone only while it is unprovisioned; never its parent. For the global entity's administrator.",
      success: 'Updated',
      params: { id: US },
      body: { name: 'Acme-US', displayName: 'Acme United States' },
    },
    DELETE_Entities: {
      description:
        "Deletes an unprovisioned entity with all its sub-entities, in one transaction. For the global entity's administrator.",
      success: 'Deleted, with its sub-entities',
      params: { id: APAC },
    },
    PUT_ProvisionEntity: {
      description:
        "Provisions an entity whose parent is provisioned; it cannot be undone. For the global entity's administrator.",
      success: 'Provisioned',
      params: { id: APAC },
    },
    GET_EntityConnections: {
      description: 'The connections of the entity the request acts in, a page at a time.',
      success: 'A page of connections',
      query: { page: 1, pageSize: 30, type: 'outbound' },
    },
    POST_EntityConnections: {
      description:
        'Asks to connect the entity the request acts in (the source) to a target; the connection is Pending until an administrator of the target accepts or denies it. Safe to retry with an Idempotency-Key.',
      success: 'The new connection, Pending',
      body: { targetEntityId: EU },
    },
    PUT_EntityConnectionsAccept: {
      description: 'Accepts a Pending connection: for an administrator of the target, acting in the target.',
      success: 'Connected',
      params: { 'connection-id': anId },
    },
    PUT_EntityConnectionsDeny: {
      description:
        'Denies a Pending connection, which is removed (the source may ask again): for an administrator of the target, acting in the target.',
      success: 'Denied: the request is removed',
      params: { 'connection-id': anId },
    },
    PUT_EntityConnectionsDisconnect: {
      description:
        'Disconnects a Connected connection: for an administrator of either side, acting in that side.',
      success: 'Disconnected',
      params: { 'connection-id': anId },
    },
    GET_EntitiesUserAccessible: {
      description:
        "The entities a user of the caller's tenant can access: the home entity and each entity where the access is Active.",
      success: 'The entities the user can access',
      params: { username: 'sales@acme.test' },
    },
    PUT_SendUserAccessRequests: {
      description: 'Asks access for a user to entities the caller can access.',
      success: 'Requested',
      params: { username: 'sales@acme.test' },
      body: { targetEntityIds: [APAC] },
    },
    PUT_AcceptUserAccess: {
      description: 'Accepts a Pending Review access in the entity the request acts in.',
      success: 'Accepted: the user is Active, a Standard User',
      params: { username: 'sales@acme.test' },
    },
    PUT_DenyUserAccess: {
      description: 'Denies a Pending Review or Active access in the entity the request acts in.',
      success: 'Denied: Access Denied',
      params: { username: 'sales@acme.test' },
    },
    Admin_CreateTenant: {
      description: 'Creates a whole tenant from one tenant of the fixture format.',
      success: "The tenant's ids by name, and its clients with their secrets (shown once)",
      body: {
        name: 'Shop',
        idSeed: 'my-suite',
        entities: [
          {
            name: 'Global',
            locale: 'en_US',
            timezone: 'GMT',
            children: [{ name: 'Shop-US', locale: 'en_US', timezone: 'America/New_York' }],
          },
        ],
        users: [
          {
            username: 'admin@shop.test',
            homeEntity: 'Global',
            access: { Global: 'Administrator', 'Shop-US': 'Administrator' },
            clients: [{ entities: ['Global', 'Shop-US'] }],
          },
        ],
      },
    },
    Admin_ListTenants: { description: 'Every tenant of this server.', success: 'The tenants' },
    Admin_GetTenant: {
      description: "One tenant's ids by name, its idSeed and its clock.",
      success: 'The tenant',
      params: tenantId,
    },
    Admin_DeleteTenant: {
      description:
        'Removes the tenant and everything it holds (entities, users, clients, tokens, connections, Idempotency-Keys, audit trail, fault rules, limit settings) in one transaction.',
      success: 'Deleted',
      params: tenantId,
    },
    Admin_ResetTenant: {
      description: 'Puts the tenant back to the fixture it was created from.',
      success: 'The tenant as its fixture made it',
      params: tenantId,
    },
    Admin_CreateUser: {
      description: 'Creates a user in the tenant, with a home entity and access (entity name or id to role).',
      success: 'The new user',
      params: tenantId,
      body: { username: 'support@acme.test', homeEntity: 'Acme-EU', access: { 'Acme-EU': 'Standard User' } },
    },
    Admin_ListUsers: {
      description: "The tenant's users and their access.",
      success: 'The users',
      params: tenantId,
    },
    Admin_DeactivateUser: {
      description: "The user's clients get no new tokens and its tokens stop working at once.",
      success: 'The user, Inactive',
      params: { ...tenantId, userId: user('sales@acme.test') },
    },
    Admin_CreateClient: {
      description: 'Creates an OAuth client for a user; the secret is answered once, only its hash is kept.',
      success: 'The new client, with its secret (shown once)',
      params: tenantId,
      body: { user: 'sales@acme.test', entities: ['Acme-US'] },
    },
    Admin_ListClients: {
      description: "The tenant's OAuth clients.",
      success: 'The clients',
      params: tenantId,
    },
    Admin_DeactivateClient: {
      description: 'The client gets no new tokens and its tokens stop working at once.',
      success: 'The client, Inactive',
      params: { ...tenantId, clientId: DEMO_CLIENT_IDS.apac },
    },
    Admin_GetClock: { description: 'The time the tenant sees.', success: 'The clock', params: tenantId },
    Admin_SetClock: {
      description: 'Sets or freezes the time the tenant sees.',
      success: 'The clock',
      params: tenantId,
      body: { time: '2030-01-01T00:00:00Z', frozen: true },
    },
    Admin_AdvanceClock: {
      description: "Moves the tenant's clock forward by the sum of the amounts given.",
      success: 'The clock',
      params: tenantId,
      body: { hours: 1 },
    },
    Admin_ResetClock: {
      description: "Puts the tenant's clock back to real time.",
      success: 'The clock, at real time',
      params: tenantId,
    },
    Admin_ListAudit: {
      description: 'Changes to entities, connections, access, users and clients, with who made them.',
      success: 'The audit events, newest first',
      params: tenantId,
      query: { action: 'connection.deny', limit: 10 },
    },
    Admin_CreateFaultRule: {
      description:
        "Makes some of the tenant's requests fail the way Zuora can fail: latency, 429, 500, 503 or a dropped connection.",
      success: 'The new rule',
      params: tenantId,
      body: { method: 'POST', path: '/v1/entity-connections', fault: '503', times: 2 },
    },
    Admin_ListFaultRules: {
      description: "The tenant's fault rules, in the order they are tried.",
      success: 'The rules',
      params: tenantId,
    },
    Admin_ClearFaultRules: {
      description: "Deletes all of the tenant's fault rules.",
      success: 'Deleted',
      params: tenantId,
    },
    Admin_DeleteFaultRule: {
      description: 'Deletes one fault rule.',
      success: 'Deleted',
      params: { ...tenantId, ruleId: anId },
    },
    Admin_ListJournal: {
      description:
        "The tenant's recent requests and their answers, newest first, as this instance served them.",
      success: 'The requests, newest first',
      params: tenantId,
      query: { path: '/v1/entity-connections', status: 503, limit: 10 },
    },
    Admin_ClearJournal: {
      description: "Forgets the tenant's recent requests.",
      success: 'Forgotten',
      params: tenantId,
    },
    Admin_GetLimits: {
      description: "The tenant's limit setting and the numbers in force.",
      success: 'The setting and the numbers in force',
      params: tenantId,
    },
    Admin_SetLimits: {
      description: "Sets the tenant's limits: one of Zuora's profiles, with any number overridden, or off.",
      success: 'The setting and the numbers in force',
      params: tenantId,
      body: { profile: 'api-sandbox', perMinute: 3, concurrency: 1 },
    },
  };
}

let docsByOperation: Record<string, OperationDocs> | undefined;

type JsonObject = Record<string, unknown> & { properties?: Record<string, Record<string, unknown>> };

/** The object schema with an example on each property named (copies; the route's schema is untouched). */
function withPropertyExamples(schema: unknown, examples: Record<string, unknown> | undefined): unknown {
  const object = schema as JsonObject | undefined;
  if (!object?.properties || !examples) return schema;
  const properties = { ...object.properties };
  for (const [name, example] of Object.entries(examples)) {
    const property = properties[name];
    if (property) properties[name] = { ...property, examples: [example] };
  }
  return { ...object, properties };
}

/** Each 2xx response named. */
function namedSuccess(response: unknown, name: string): unknown {
  if (!response || typeof response !== 'object') return response;
  return Object.fromEntries(
    Object.entries(response as Record<string, object>).map(([status, schema]) =>
      status.startsWith('2') ? [status, { ...schema, 'x-response-description': name }] : [status, schema],
    ),
  );
}

/** @fastify/swagger's transform: Zuora's path parameter names, then the page's documentation. */
export function documentRoute(input: TransformInput): TransformInput {
  const { schema, url } = zuoraPathParameters(input);
  const operationId = (schema as { operationId?: string } | undefined)?.operationId;
  docsByOperation ??= operationDocs();
  const docs = operationId === undefined ? undefined : docsByOperation[operationId];
  if (!docs) return { schema, url };
  const route = schema as FastifySchema & { description?: string };
  return {
    url,
    schema: {
      ...route,
      description: route.description ?? docs.description,
      ...(route.body && docs.body !== undefined
        ? { body: { ...(route.body as object), examples: [docs.body] } }
        : {}),
      ...(route.params ? { params: withPropertyExamples(route.params, docs.params) } : {}),
      ...(route.querystring ? { querystring: withPropertyExamples(route.querystring, docs.query) } : {}),
      ...(route.response ? { response: namedSuccess(route.response, docs.success) } : {}),
    },
  };
}
