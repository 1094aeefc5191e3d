import { Type } from 'typebox';
import {
  authenticatedErrors,
  CommonHeaders,
  CommonResponse,
  ENTITY_ID_DESCRIPTION,
  IdempotentHeaders,
} from './common.js';

const TAGS = ['Entities'];

const entityProperties = {
  id: Type.String({ description: ENTITY_ID_DESCRIPTION }),
  name: Type.String({ maxLength: 255 }),
  displayName: Type.String({ maxLength: 255 }),
  locale: Type.String({ description: "e.g. 'en_US'." }),
  timezone: Type.String({ description: "An IANA time zone, e.g. 'America/Los_Angeles'." }),
  status: Type.Union([Type.Literal('Provisioned'), Type.Literal('Unprovisioned')]),
  parentId: Type.Union([Type.String(), Type.Null()], {
    description: 'The parent entity id; null for the global entity.',
  }),
  tenantId: Type.String({ description: 'The tenant id: digits.' }),
};

/** One entity as Zuora lists it: exactly these eight fields (docs/CONTRACT.md §1). */
export const Entity = Type.Object(entityProperties, { title: 'GETEntitiesType' });

export const ListEntitiesQuery = Type.Object(
  {
    provisioned: Type.Optional(
      Type.Union([Type.Literal('true'), Type.Literal('false')], {
        description: 'true: only provisioned entities; false: only unprovisioned ones. Absent: all.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const ListEntitiesResponse = Type.Object(
  { entities: Type.Array(Entity), success: Type.Boolean() },
  { title: 'GETEntitiesResponseType' },
);

export const GetEntityResponse = Type.Object(
  { ...entityProperties, success: Type.Boolean() },
  { title: 'GETEntitiesResponseTypeWithId' },
);

export const CreateEntityRequest = Type.Object(
  {
    name: Type.String({
      maxLength: 255,
      description: 'Unique in the tenant; letters, digits, space, period and hyphen.',
    }),
    displayName: Type.Optional(
      Type.String({ minLength: 1, maxLength: 255, description: 'Defaults to the name.' }),
    ),
    parentId: Type.String({ description: 'The parent entity id.' }),
    locale: Type.String({ description: "e.g. 'en_US'." }),
    timezone: Type.String({ description: "An IANA time zone, e.g. 'Asia/Harbin'." }),
  },
  { additionalProperties: false, title: 'CreateEntityType' },
);

export const CreateEntityResponse = Type.Object(
  { ...entityProperties, success: Type.Boolean() },
  { title: 'CreateEntityResponseType' },
);

/** No parentId: an entity's parent is fixed at creation (docs/CONTRACT.md §4), so it is an unknown field. */
export const UpdateEntityRequest = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 255 })),
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    locale: Type.Optional(Type.String({ description: 'Cannot change once the entity is provisioned.' })),
    timezone: Type.Optional(Type.String({ description: 'Cannot change once the entity is provisioned.' })),
  },
  { additionalProperties: false, title: 'UpdateEntityType' },
);

export const EntityIdParams = Type.Object({
  id: Type.String({ description: `${ENTITY_ID_DESCRIPTION} A UUID of the same digits is accepted too.` }),
});

const successResponse = (title: string) => Type.Object(CommonResponse.properties, { title });

export const createEntityRoute = {
  operationId: 'POST_Entities',
  tags: TAGS,
  summary: 'Multi-entity: Add an entity',
  headers: IdempotentHeaders,
  body: CreateEntityRequest,
  response: { 200: CreateEntityResponse, ...authenticatedErrors },
} as const;

export const listEntitiesRoute = {
  operationId: 'GET_Entities',
  tags: TAGS,
  summary: 'Multi-entity: Retrieve entities',
  headers: CommonHeaders,
  querystring: ListEntitiesQuery,
  response: { 200: ListEntitiesResponse, ...authenticatedErrors },
} as const;

export const getEntityRoute = {
  operationId: 'GET_EntityById',
  tags: TAGS,
  summary: 'Multi-entity: Retrieve an entity',
  headers: CommonHeaders,
  params: EntityIdParams,
  response: { 200: GetEntityResponse, ...authenticatedErrors },
} as const;

export const updateEntityRoute = {
  operationId: 'PUT_Entities',
  tags: TAGS,
  summary: 'Multi-entity: Update an entity',
  headers: CommonHeaders,
  params: EntityIdParams,
  body: UpdateEntityRequest,
  response: { 200: successResponse('UpdateEntityResponseType'), ...authenticatedErrors },
} as const;

export const deleteEntityRoute = {
  operationId: 'DELETE_Entities',
  tags: TAGS,
  summary: 'Multi-entity: Delete an entity',
  headers: CommonHeaders,
  params: EntityIdParams,
  response: { 200: successResponse('DELETEntityResponseType'), ...authenticatedErrors },
} as const;

export const provisionEntityRoute = {
  operationId: 'PUT_ProvisionEntity',
  tags: TAGS,
  summary: 'Multi-entity: Provision an entity',
  headers: CommonHeaders,
  params: EntityIdParams,
  response: { 200: successResponse('ProvisionEntityResponseType'), ...authenticatedErrors },
} as const;
