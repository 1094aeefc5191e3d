import type { TokenManager } from './auth.js';
import type {
  AccessibleEntitiesResponse,
  CommonResponse,
  CreateEntityConnectionRequest,
  CreateEntityConnectionResponse,
  CreateEntityRequest,
  CreateEntityResponse,
  EntityConnection,
  GetEntityResponse,
  ListEntitiesQuery,
  ListEntitiesResponse,
  ListEntityConnectionsQuery,
  ListEntityConnectionsResponse,
  SendUserAccessRequest,
  TokenResponse,
  UpdateEntityRequest,
} from './contract.generated.js';
import type { OperationInput, OperationResponse, ZuoraOperationId } from './operations.js';
import { Paginated } from './paginated.js';
import type { CallOptions } from './transport.js';

// Zuora's operations by resource, as `client.entities`, `client.entityConnections`, `client.users`
// and `client.oauth`: each method names its operation and sends it through the client's `request`.

/** What the resources need of a MultientityClient: its two ways to send an operation. */
export interface OperationSender {
  request<K extends ZuoraOperationId>(
    operationId: K,
    input: OperationInput<K>,
    options?: CallOptions,
  ): Promise<OperationResponse<K>>;
  requestUrl<K extends ZuoraOperationId>(
    operationId: K,
    url: string,
    options?: CallOptions,
  ): Promise<OperationResponse<K>>;
}

export class EntitiesApi {
  constructor(private readonly client: OperationSender) {}
  /** `POST /v1/entities` (POST_Entities): a new Unprovisioned entity. Global entity administrators. */
  create(body: CreateEntityRequest, options?: CallOptions): Promise<CreateEntityResponse> {
    return this.client.request('POST_Entities', { body }, options);
  }
  /** `GET /v1/entities` (GET_Entities): the whole hierarchy, or by status. */
  list(query: ListEntitiesQuery = {}, options?: CallOptions): Promise<ListEntitiesResponse> {
    return this.client.request('GET_Entities', { query }, options);
  }
  /** `GET /v1/entities/{id}` (GET_EntityById). */
  get(id: string, options?: CallOptions): Promise<GetEntityResponse> {
    return this.client.request('GET_EntityById', { params: { id } }, options);
  }
  /** `PUT /v1/entities/{id}` (PUT_Entities): name, displayName; locale and timezone while unprovisioned. */
  update(id: string, body: UpdateEntityRequest, options?: CallOptions): Promise<CommonResponse> {
    return this.client.request('PUT_Entities', { params: { id }, body }, options);
  }
  /** `DELETE /v1/entities/{id}` (DELETE_Entities): an unprovisioned entity and its sub-entities. */
  delete(id: string, options?: CallOptions): Promise<CommonResponse> {
    return this.client.request('DELETE_Entities', { params: { id } }, options);
  }
  /** `PUT /v1/entities/{id}/provision` (PUT_ProvisionEntity); cannot be undone. */
  provision(id: string, options?: CallOptions): Promise<CommonResponse> {
    return this.client.request('PUT_ProvisionEntity', { params: { id } }, options);
  }
}

export class EntityConnectionsApi {
  constructor(private readonly client: OperationSender) {}
  /**
   * `GET /v1/entity-connections` (GET_EntityConnections) as an async iterator of connections that
   * follows `nextPage`: `for await (const c of client.entityConnections.list({ type: 'outbound' }))`.
   * `.pages()` iterates pages, `.firstPage()` fetches one.
   */
  list(
    query: ListEntityConnectionsQuery = {},
    options?: CallOptions,
  ): Paginated<EntityConnection, ListEntityConnectionsResponse> {
    return new Paginated(
      (nextPage) =>
        nextPage === null
          ? this.client.request('GET_EntityConnections', { query }, options)
          : this.client.requestUrl('GET_EntityConnections', nextPage, options),
      (page) => page.entityConnections,
      (page) => page.nextPage,
    );
  }
  /** `POST /v1/entity-connections` (POST_EntityConnections): the acting entity asks to connect to a target. */
  create(
    body: CreateEntityConnectionRequest,
    options?: CallOptions,
  ): Promise<CreateEntityConnectionResponse> {
    return this.client.request('POST_EntityConnections', { body }, options);
  }
  /** `PUT …/{connection-id}/accept`: by an administrator of the target, acting in it. */
  accept(connectionId: string, options?: CallOptions): Promise<CommonResponse> {
    return this.client.request('PUT_EntityConnectionsAccept', { params: { connectionId } }, options);
  }
  /** `PUT …/{connection-id}/deny`: by an administrator of the target, acting in it. */
  deny(connectionId: string, options?: CallOptions): Promise<CommonResponse> {
    return this.client.request('PUT_EntityConnectionsDeny', { params: { connectionId } }, options);
  }
  /** `PUT …/{connection-id}/disconnect`: by an administrator of either side, acting in it. */
  disconnect(connectionId: string, options?: CallOptions): Promise<CommonResponse> {
    return this.client.request('PUT_EntityConnectionsDisconnect', { params: { connectionId } }, options);
  }
}

export class UsersApi {
  constructor(private readonly client: OperationSender) {}
  /** `GET /v1/users/{username}/accessible-entities` (GET_EntitiesUserAccessible). */
  accessibleEntities(username: string, options?: CallOptions): Promise<AccessibleEntitiesResponse> {
    return this.client.request('GET_EntitiesUserAccessible', { params: { username } }, options);
  }
  /** `PUT /v1/users/{username}/request-access` (PUT_SendUserAccessRequests). */
  requestAccess(
    username: string,
    body: SendUserAccessRequest,
    options?: CallOptions,
  ): Promise<CommonResponse> {
    return this.client.request('PUT_SendUserAccessRequests', { params: { username }, body }, options);
  }
  /** `PUT /v1/users/{username}/accept-access` (PUT_AcceptUserAccess), in the entity granting access. */
  acceptAccess(username: string, options?: CallOptions): Promise<CommonResponse> {
    return this.client.request('PUT_AcceptUserAccess', { params: { username } }, options);
  }
  /** `PUT /v1/users/{username}/deny-access` (PUT_DenyUserAccess), in the entity denying access. */
  denyAccess(username: string, options?: CallOptions): Promise<CommonResponse> {
    return this.client.request('PUT_DenyUserAccess', { params: { username } }, options);
  }
}

export class OAuthApi {
  constructor(private readonly tokens: TokenManager | null) {}
  /** `POST /oauth/token` (createToken), now; the client fetches and refreshes its own token without this. */
  createToken(options?: CallOptions): Promise<TokenResponse> {
    if (this.tokens === null) throw new TypeError('createToken needs the clientId and clientSecret options');
    return this.tokens.createToken(options);
  }
  /** The `Authorization` header value the client's next call would send (a token is fetched if needed). */
  authorization(options?: CallOptions): Promise<string> {
    if (this.tokens === null)
      throw new TypeError('authorization needs the clientId and clientSecret options');
    return this.tokens.authorization(options);
  }
}
