import { Type } from 'typebox';
import { ErrorResponse } from './common.js';

/** `POST /oauth/token` form fields (docs/CONTRACT.md §1). Required-ness is checked by the service so that a missing field gets Zuora's own message. */
export const TokenRequest = Type.Object({
  client_id: Type.Optional(
    Type.String({ maxLength: 36, description: 'The OAuth client id: 36 characters.' }),
  ),
  client_secret: Type.Optional(
    Type.String({ maxLength: 42, description: 'The client secret: at most 42 characters.' }),
  ),
  grant_type: Type.Optional(Type.String({ description: "Must be 'client_credentials'." })),
});

export const TokenResponse = Type.Object(
  {
    access_token: Type.String(),
    token_type: Type.Literal('bearer'),
    expires_in: Type.Number({ description: 'Seconds the token stays valid: 3599.' }),
    scope: Type.String({ description: 'Space-separated: user.<id> entity.<uuid>… tenant.<id>.' }),
    jti: Type.String(),
  },
  { title: 'tokenResponse' },
);

export const tokenRoute = {
  operationId: 'createToken',
  tags: ['OAuth'],
  summary: 'Create an OAuth token',
  consumes: ['application/x-www-form-urlencoded'],
  body: TokenRequest,
  response: {
    200: TokenResponse,
    400: ErrorResponse,
    401: ErrorResponse,
    415: ErrorResponse,
    500: ErrorResponse,
  },
} as const;
