import { Type } from 'typebox';
import { authenticatedErrors, CommonHeaders, CommonResponse, IdempotentHeaders } from './common.js';

const TAGS = ['Entity Connections'];

export const EntityConnection = Type.Object(
  {
    id: Type.String({ description: 'The connection id: 32 hex characters.' }),
    sourceEntityId: Type.String(),
    targetEntityId: Type.String(),
    status: Type.Union([Type.Literal('Pending'), Type.Literal('Connected'), Type.Literal('Disconnected')]),
  },
  { title: 'GETEntityConnectionsArrayItemsType' },
);

export const ListEntityConnectionsQuery = Type.Object(
  {
    page: Type.Optional(Type.Integer({ minimum: 1, default: 1, description: 'The page to return, from 1.' })),
    pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 300, default: 30 })),
    type: Type.Optional(
      Type.Union([Type.Literal('inbound'), Type.Literal('outbound')], {
        description: 'outbound: the current entity is the source; inbound: it is the target. Absent: both.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const ListEntityConnectionsResponse = Type.Object(
  {
    entityConnections: Type.Array(EntityConnection),
    nextPage: Type.Optional(
      Type.String({ format: 'uri', description: 'The URL of the next page; absent on the last.' }),
    ),
    success: Type.Boolean(),
  },
  { title: 'GETEntityConnectionsResponseType' },
);

export const CreateEntityConnectionRequest = Type.Object(
  { targetEntityId: Type.String({ maxLength: 32, description: 'The id of the entity to connect to.' }) },
  { additionalProperties: false, title: 'POSTEntityConnectionsType' },
);

export const CreateEntityConnectionResponse = Type.Object(
  { id: Type.String(), success: Type.Boolean() },
  { title: 'POSTEntityConnectionsResponseType' },
);

/**
 * Zuora names this path parameter `connection-id`; Fastify's router reads a hyphen as the end of a
 * parameter name, so the route uses `connectionId` and the OpenAPI document is given Zuora's name
 * (`zuoraPathParameters` in http/openapi.ts).
 */
export const ConnectionIdParams = Type.Object({
  connectionId: Type.String({ description: 'The connection id.' }),
});

export const listEntityConnectionsRoute = {
  operationId: 'GET_EntityConnections',
  tags: TAGS,
  summary: 'Multi-entity: List connections',
  headers: CommonHeaders,
  querystring: ListEntityConnectionsQuery,
  response: { 200: ListEntityConnectionsResponse, ...authenticatedErrors },
} as const;

export const createEntityConnectionRoute = {
  operationId: 'POST_EntityConnections',
  tags: TAGS,
  summary: 'Multi-entity: Initiate a connection request',
  headers: IdempotentHeaders,
  body: CreateEntityConnectionRequest,
  response: { 200: CreateEntityConnectionResponse, ...authenticatedErrors },
} as const;

function transitionRoute(operationId: string, summary: string) {
  return {
    operationId,
    tags: TAGS,
    summary,
    headers: CommonHeaders,
    params: ConnectionIdParams,
    response: { 200: CommonResponse, ...authenticatedErrors },
  } as const;
}

export const acceptEntityConnectionRoute = transitionRoute(
  'PUT_EntityConnectionsAccept',
  'Multi-entity: Accept a connection request',
);
export const denyEntityConnectionRoute = transitionRoute(
  'PUT_EntityConnectionsDeny',
  'Multi-entity: Deny a connection request',
);
export const disconnectEntityConnectionRoute = transitionRoute(
  'PUT_EntityConnectionsDisconnect',
  'Multi-entity: Disconnect a connection',
);
