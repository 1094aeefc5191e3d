export { AdminApi } from './admin-api.js';
export { type Credentials, TokenManager } from './auth.js';
export { type ClientOptions, MultientityClient } from './client.js';
export type * from './contract.generated.js';
export { ZUORA_ENVIRONMENTS, type ZuoraEnvironment } from './environments.js';
export {
  AuthenticationError,
  ConflictError,
  NotFoundError,
  PermissionError,
  RateLimitError,
  type RequestSummary,
  ServerError,
  ValidationError,
  ZuoraApiError,
  type ZuoraApiErrorInit,
  ZuoraConnectionError,
  ZuoraError,
  type ZuoraReason,
} from './errors.js';
export {
  OPERATIONS,
  type OperationId,
  type OperationInput,
  type OperationResponse,
  type ZuoraOperationId,
} from './operations.js';
export { Paginated } from './paginated.js';
export { type CallOptions, checkEntityId, type RetryOptions } from './transport.js';
export { EntitiesApi, EntityConnectionsApi, OAuthApi, UsersApi } from './zuora-api.js';

import { type ClientOptions, MultientityClient } from './client.js';

/** `new MultientityClient(options)`. */
export function createClient(options: ClientOptions): MultientityClient {
  return new MultientityClient(options);
}
