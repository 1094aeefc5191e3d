import { Type } from 'typebox';
import { authenticatedErrors, CommonHeaders } from './common.js';
import { Entity } from './entities.js';

const TAGS = ['User Access'];

/** The path parameter of every user-access operation. */
export const UsernameParams = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 255, description: 'The user name, within your tenant.' }),
});

export const AccessibleEntitiesResponse = Type.Object(
  {
    entities: Type.Array(Entity, {
      description:
        "The user's home entity and every entity where the user's access is Active, in the hierarchy's creation order.",
    }),
    success: Type.Boolean(),
  },
  { title: 'GETEntitiesUserAccessibleResponseType' },
);

export const SendUserAccessRequest = Type.Object(
  {
    targetEntityIds: Type.Array(Type.String({ title: 'Entity IDs', maxLength: 36 }), {
      // A hierarchy holds at most 512 entities (docs/CONTRACT.md §4): a longer list cannot be meant.
      maxItems: 512,
      description:
        'The entities to give the user access to, as 32 hex characters or UUIDs. At least one; repeats count once.',
    }),
  },
  { additionalProperties: false, title: 'PUTSendUserAccessRequestType' },
);

const SendUserAccessResponse = Type.Object(
  { success: Type.Boolean() },
  { title: 'PUTSendUserAccessRequestResponseType' },
);
const AcceptUserAccessResponse = Type.Object(
  { success: Type.Boolean() },
  { title: 'PUTAcceptUserAccessResponseType' },
);
const DenyUserAccessResponse = Type.Object(
  { success: Type.Boolean() },
  { title: 'PUTDenyUserAccessResponseType' },
);

export const accessibleEntitiesRoute = {
  operationId: 'GET_EntitiesUserAccessible',
  tags: TAGS,
  summary: 'Multi-entity: Get entities that a user can access',
  headers: CommonHeaders,
  params: UsernameParams,
  response: { 200: AccessibleEntitiesResponse, ...authenticatedErrors },
} as const;

export const requestUserAccessRoute = {
  operationId: 'PUT_SendUserAccessRequests',
  tags: TAGS,
  summary: 'Multi-entity: Send a user access request',
  description:
    "By an administrator of the user's home entity, acting in it, who can access every target. The user is Pending Review in each target, or Active at once where the caller also administers the target.",
  headers: CommonHeaders,
  params: UsernameParams,
  body: SendUserAccessRequest,
  response: { 200: SendUserAccessResponse, ...authenticatedErrors },
} as const;

export const acceptUserAccessRoute = {
  operationId: 'PUT_AcceptUserAccess',
  tags: TAGS,
  summary: 'Multi-entity: Accept a user access request',
  description:
    'By an administrator of the entity granting access, acting in it: Pending Review becomes Active, with the Standard User role.',
  headers: CommonHeaders,
  params: UsernameParams,
  response: { 200: AcceptUserAccessResponse, ...authenticatedErrors },
} as const;

export const denyUserAccessRoute = {
  operationId: 'PUT_DenyUserAccess',
  tags: TAGS,
  summary: 'Multi-entity: Deny a user access request',
  description:
    'By an administrator of the entity denying access, acting in it: a Pending Review request, or access already given, becomes Access Denied.',
  headers: CommonHeaders,
  params: UsernameParams,
  response: { 200: DenyUserAccessResponse, ...authenticatedErrors },
} as const;
