import { Type } from 'typebox';

/** Zuora's error envelope (docs/CONTRACT.md §3). */
export const ErrorResponse = Type.Object(
  {
    success: Type.Literal(false),
    processId: Type.String({
      pattern: '^[0-9A-F]{16}$',
      description: 'Identifies this request in the server log.',
    }),
    reasons: Type.Array(
      Type.Object({
        code: Type.Integer({ description: '8 digits: a 6-digit resource code and a 2-digit category.' }),
        message: Type.String(),
      }),
      { minItems: 1 },
    ),
  },
  { $id: 'ErrorResponse', title: 'ErrorResponse' },
);

/** `{ "success": true }`: the body of update, delete, provision, accept, deny and disconnect. */
export const CommonResponse = Type.Object({ success: Type.Boolean() }, { title: 'CommonResponse' });

export const ENTITY_ID_DESCRIPTION = 'An entity id: 32 hex characters.';

/** Headers Zuora accepts on every operation (docs/CONTRACT.md §2), as documented request parameters. */
export const CommonHeaders = Type.Object({
  'Zuora-Track-Id': Type.Optional(
    Type.String({ maxLength: 64, description: 'A custom identifier for tracing the API call; echoed back.' }),
  ),
  'Zuora-Entity-Ids': Type.Optional(
    Type.String({
      description:
        'The entity to act in, as 32 hex characters or a UUID. Required when the token is valid for more than one entity.',
    }),
  ),
  entityId: Type.Optional(
    Type.String({
      description: 'Superseded by Zuora-Entity-Ids, still accepted: the id of the entity to act in.',
    }),
  ),
  entityName: Type.Optional(
    Type.String({
      description: 'Superseded by Zuora-Entity-Ids, still accepted: the name of the entity to act in.',
    }),
  ),
  'Zuora-Version': Type.Optional(
    Type.String({ description: "The API version, e.g. '2024-05-20'. Before it, errors answer HTTP 200." }),
  ),
});

export const IdempotentHeaders = Type.Object({
  ...CommonHeaders.properties,
  'Idempotency-Key': Type.Optional(
    Type.String({
      maxLength: 255,
      description: 'Makes the POST safe to retry: the first response is replayed for 24 hours.',
    }),
  ),
});

/** Error responses every authenticated operation may give, for the OpenAPI document. */
export const authenticatedErrors = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
  405: ErrorResponse,
  409: ErrorResponse,
  413: ErrorResponse,
  415: ErrorResponse,
  422: ErrorResponse,
  429: ErrorResponse,
  500: ErrorResponse,
  503: ErrorResponse,
} as const;
