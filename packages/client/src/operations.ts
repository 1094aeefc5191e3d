import type { Operations } from './contract.generated.js';
import type { CallRequest } from './transport.js';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * The method and path of every operation, as the server's /openapi.json and Zuora's reference spell
 * them; packages/client/test/contract-types.test.ts holds this table against the server's document.
 */
export const OPERATIONS = {
  createToken: ['POST', '/oauth/token'],
  POST_Entities: ['POST', '/v1/entities'],
  GET_Entities: ['GET', '/v1/entities'],
  GET_EntityById: ['GET', '/v1/entities/{id}'],
  PUT_Entities: ['PUT', '/v1/entities/{id}'],
  DELETE_Entities: ['DELETE', '/v1/entities/{id}'],
  PUT_ProvisionEntity: ['PUT', '/v1/entities/{id}/provision'],
  GET_EntityConnections: ['GET', '/v1/entity-connections'],
  POST_EntityConnections: ['POST', '/v1/entity-connections'],
  PUT_EntityConnectionsAccept: ['PUT', '/v1/entity-connections/{connection-id}/accept'],
  PUT_EntityConnectionsDeny: ['PUT', '/v1/entity-connections/{connection-id}/deny'],
  PUT_EntityConnectionsDisconnect: ['PUT', '/v1/entity-connections/{connection-id}/disconnect'],
  GET_EntitiesUserAccessible: ['GET', '/v1/users/{username}/accessible-entities'],
  PUT_SendUserAccessRequests: ['PUT', '/v1/users/{username}/request-access'],
  PUT_AcceptUserAccess: ['PUT', '/v1/users/{username}/accept-access'],
  PUT_DenyUserAccess: ['PUT', '/v1/users/{username}/deny-access'],
  Admin_CreateTenant: ['POST', '/admin/v1/tenants'],
  Admin_ListTenants: ['GET', '/admin/v1/tenants'],
  Admin_GetTenant: ['GET', '/admin/v1/tenants/{tenantId}'],
  Admin_DeleteTenant: ['DELETE', '/admin/v1/tenants/{tenantId}'],
  Admin_ResetTenant: ['POST', '/admin/v1/tenants/{tenantId}/reset'],
  Admin_CreateUser: ['POST', '/admin/v1/tenants/{tenantId}/users'],
  Admin_ListUsers: ['GET', '/admin/v1/tenants/{tenantId}/users'],
  Admin_DeactivateUser: ['POST', '/admin/v1/tenants/{tenantId}/users/{userId}/deactivate'],
  Admin_CreateClient: ['POST', '/admin/v1/tenants/{tenantId}/clients'],
  Admin_ListClients: ['GET', '/admin/v1/tenants/{tenantId}/clients'],
  Admin_DeactivateClient: ['POST', '/admin/v1/tenants/{tenantId}/clients/{clientId}/deactivate'],
  Admin_GetClock: ['GET', '/admin/v1/tenants/{tenantId}/clock'],
  Admin_SetClock: ['PUT', '/admin/v1/tenants/{tenantId}/clock'],
  Admin_AdvanceClock: ['POST', '/admin/v1/tenants/{tenantId}/clock/advance'],
  Admin_ResetClock: ['DELETE', '/admin/v1/tenants/{tenantId}/clock'],
  Admin_ListAudit: ['GET', '/admin/v1/tenants/{tenantId}/audit'],
  Admin_CreateFaultRule: ['POST', '/admin/v1/tenants/{tenantId}/faults'],
  Admin_ListFaultRules: ['GET', '/admin/v1/tenants/{tenantId}/faults'],
  Admin_ClearFaultRules: ['DELETE', '/admin/v1/tenants/{tenantId}/faults'],
  Admin_DeleteFaultRule: ['DELETE', '/admin/v1/tenants/{tenantId}/faults/{ruleId}'],
  Admin_ListJournal: ['GET', '/admin/v1/tenants/{tenantId}/journal'],
  Admin_ClearJournal: ['DELETE', '/admin/v1/tenants/{tenantId}/journal'],
  Admin_GetLimits: ['GET', '/admin/v1/tenants/{tenantId}/limits'],
  Admin_SetLimits: ['PUT', '/admin/v1/tenants/{tenantId}/limits'],
} as const satisfies { [K in keyof Operations]: readonly [Method, string] };

export type OperationId = keyof typeof OPERATIONS;

/** The operations of Zuora's API that take an OAuth token (all but createToken and the admin API). */
export type ZuoraOperationId = Exclude<OperationId, `Admin_${string}` | 'createToken'>;

/** The parts of a request that an operation takes (none of `never`). */
export type OperationInput<K extends OperationId> = {
  [P in 'params' | 'query' | 'body' as Operations[K][P] extends never ? never : P]: Operations[K][P];
};

export type OperationResponse<K extends OperationId> = Operations[K]['response'];

/** The path of an operation with its parameters filled in. */
export function operationPath(id: OperationId, params: Record<string, string> = {}): string {
  return OPERATIONS[id][1].replace(/\{([^}]+)\}/g, (_match, name: string) => {
    // Zuora's `connection-id` is `connectionId` in the contract's params (a hyphen ends a router parameter).
    const value = params[name] ?? params[name.replace(/-(\w)/g, (_m, c: string) => c.toUpperCase())];
    if (value === undefined || value === '') throw new TypeError(`${id}: missing ${name}`);
    return encodeURIComponent(value);
  });
}

/** What an operation sends: its method, its path with the parameters filled in, its query and body. */
export type OperationRequest = Pick<CallRequest, 'method' | 'path' | 'query' | 'body'>;

export function operationRequest<K extends OperationId>(
  operationId: K,
  input: OperationInput<K>,
): OperationRequest {
  const parts = input as { params?: Record<string, string>; query?: CallRequest['query']; body?: unknown };
  return {
    method: OPERATIONS[operationId][0],
    path: operationPath(operationId, parts.params),
    query: parts.query,
    body: parts.body,
  };
}
