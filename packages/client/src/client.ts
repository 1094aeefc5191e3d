import { type Credentials, TokenManager } from './auth.js';
import type {
  AccessibleEntitiesResponse,
  AdvanceClockBody,
  AuditQuery,
  ClockState,
  CommonResponse,
  CreateClientBody,
  CreatedTenant,
  CreateEntityConnectionRequest,
  CreateEntityConnectionResponse,
  CreateEntityRequest,
  CreateEntityResponse,
  CreateFaultRuleRequest,
  CreateTenantBody,
  CreateUserBody,
  EntityConnection,
  FaultRuleResponse,
  GetEntityResponse,
  JournalQuery,
  LimitSettings,
  ListEntitiesQuery,
  ListEntitiesResponse,
  ListEntityConnectionsQuery,
  ListEntityConnectionsResponse,
  Operations,
  SendUserAccessRequest,
  SetClockBody,
  TokenResponse,
  UpdateEntityRequest,
} from './contract.generated.js';
import {
  OPERATIONS,
  type OperationId,
  type OperationInput,
  type OperationResponse,
  operationPath,
} from './operations.js';
import {
  type CallOptions,
  type CallRequest,
  checkEntityId,
  type RetryOptions,
  Transport,
} from './transport.js';

export interface ClientOptions extends RetryOptions {
  /** multientity's URL (`http://localhost:8080`) or one of `ZUORA_ENVIRONMENTS`. */
  baseUrl: string;
  /** OAuth client credentials; needed for every operation but the admin API's. */
  clientId?: string;
  clientSecret?: string;
  /** multientity's operator token, for `client.admin`. */
  operatorToken?: string;
  /** The entity every call acts in (`Zuora-Entity-Ids`) unless a call names another. */
  entityId?: string;
  /** `Zuora-Version` of every call. Unset: the tenant's default. */
  zuoraVersion?: string;
  /** Each attempt's limit, in ms. Default 30 000. */
  timeoutMs?: number;
  /** Gzip JSON bodies of at least this many bytes. Default false: never. */
  gzipThreshold?: number | false;
  /** Makes a `Zuora-Track-Id` for each call that gives none. */
  trackId?: () => string;
  /** Fetch a new token this long before the current one expires. Default 60 000 ms. */
  refreshMarginMs?: number;
  /** Headers added to every request. */
  headers?: Record<string, string>;
  userAgent?: string;
  /** Another fetch (a proxy agent, a recorder). Default: Node's global fetch. */
  fetch?: typeof fetch;
}

/** One page at a time or one item at a time, fetched as they are asked for. */
export class Paginated<Item, Page> implements AsyncIterable<Item> {
  constructor(
    private readonly fetchPage: (nextPage: string | null) => Promise<Page>,
    private readonly itemsOf: (page: Page) => Item[],
    private readonly nextPageOf: (page: Page) => string | undefined,
  ) {}

  /** Every page, following `nextPage` until the last. */
  async *pages(): AsyncGenerator<Page, void, undefined> {
    let next: string | null = null;
    do {
      const page: Page = await this.fetchPage(next);
      yield page;
      next = this.nextPageOf(page) ?? null;
    } while (next !== null);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Item, void, undefined> {
    for await (const page of this.pages()) yield* this.itemsOf(page);
  }

  /** The first page only. */
  firstPage(): Promise<Page> {
    return this.fetchPage(null);
  }

  /** Every item of every page, in one array. */
  async toArray(): Promise<Item[]> {
    const items: Item[] = [];
    for await (const item of this) items.push(item);
    return items;
  }
}

/** The state a client and the clients `inEntity` makes from it share. */
interface Shared {
  transport: Transport;
  tokens: TokenManager | null;
  operatorToken: string | null;
}

/**
 * A client of Zuora's Multi-entity API, on multientity or on Zuora itself. Every method takes, last,
 * `CallOptions` that override the client's settings for that call.
 */
export class MultientityClient {
  readonly entities: EntitiesApi;
  readonly entityConnections: EntityConnectionsApi;
  readonly users: UsersApi;
  readonly oauth: OAuthApi;
  private readonly shared: Shared;
  private readonly defaults: CallOptions;
  private adminApi: AdminApi | undefined;

  constructor(options: ClientOptions, internal?: { shared: Shared; defaults: CallOptions }) {
    if (internal) {
      this.shared = internal.shared;
      this.defaults = internal.defaults;
    } else {
      const transport = new Transport(options);
      const credentials =
        options.clientId !== undefined && options.clientSecret !== undefined
          ? ({ clientId: options.clientId, clientSecret: options.clientSecret } satisfies Credentials)
          : null;
      this.shared = {
        transport,
        tokens: credentials ? new TokenManager(transport, credentials, options.refreshMarginMs) : null,
        operatorToken: options.operatorToken ?? null,
      };
      this.defaults = options.entityId !== undefined ? { entityId: checkEntityId(options.entityId) } : {};
    }
    this.entities = new EntitiesApi(this);
    this.entityConnections = new EntityConnectionsApi(this);
    this.users = new UsersApi(this);
    this.oauth = new OAuthApi(this.shared.tokens);
  }

  /** The base URL calls go to. */
  get baseUrl(): string {
    return this.shared.transport.baseUrl;
  }

  /** A client that acts in `entityId` (32 hex characters or a UUID), sharing this one's token. */
  inEntity(entityId: string): MultientityClient {
    return new MultientityClient(
      { baseUrl: this.baseUrl },
      {
        shared: this.shared,
        defaults: { ...this.defaults, entityId: checkEntityId(entityId) },
      },
    );
  }

  /** The admin API (multientity only), with the operator token. */
  get admin(): AdminApi {
    if (this.shared.operatorToken === null) {
      throw new TypeError('client.admin needs the operatorToken option');
    }
    this.adminApi ??= new AdminApi(this.shared.transport, this.shared.operatorToken);
    return this.adminApi;
  }

  /** Token requests this client (and its `inEntity` clients) made. */
  get tokensFetched(): number {
    return this.shared.tokens?.tokensFetched ?? 0;
  }

  /** Any operation by its operationId, typed by the server's contract. */
  request<K extends ZuoraOperationId>(
    operationId: K,
    input: OperationInput<K>,
    options: CallOptions = {},
  ): Promise<OperationResponse<K>> {
    const parts = input as { params?: Record<string, string>; query?: CallRequest['query']; body?: unknown };
    return this.send(operationId, operationPath(operationId, parts.params), parts.query, parts.body, options);
  }

  /** A GET operation at a URL the server gave, such as a `nextPage`. */
  requestUrl<K extends ZuoraOperationId>(
    operationId: K,
    url: string,
    options: CallOptions = {},
  ): Promise<OperationResponse<K>> {
    return this.send(operationId, url, undefined, undefined, options);
  }

  private async send<K extends ZuoraOperationId>(
    operationId: K,
    path: string,
    query: CallRequest['query'],
    body: unknown,
    options: CallOptions,
  ): Promise<OperationResponse<K>> {
    const tokens = this.shared.tokens;
    if (tokens === null) throw new TypeError(`${operationId} needs the clientId and clientSecret options`);
    const call = { ...this.defaults, ...options };
    const result = await this.shared.transport.call<OperationResponse<K>>(
      {
        method: OPERATIONS[operationId][0],
        path,
        query,
        body,
        authorization: () => tokens.authorization(call),
        onUnauthorized: (authorization) => tokens.invalidate(authorization),
      },
      call,
    );
    return result.body;
  }
}

/** The operations of Zuora's API that take an OAuth token (all but createToken and the admin API). */
export type ZuoraOperationId = Exclude<OperationId, `Admin_${string}` | 'createToken'>;

export class EntitiesApi {
  constructor(private readonly client: MultientityClient) {}
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
  constructor(private readonly client: MultientityClient) {}
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
  constructor(private readonly client: MultientityClient) {}
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

type AdminId = Extract<OperationId, `Admin_${string}`>;

/** multientity's admin API (`/admin/v1`), with the operator token. Not retried but for reads. */
export class AdminApi {
  readonly tenants;
  readonly users;
  readonly clients;
  readonly clock;
  readonly faults;
  readonly journal;
  readonly audit;
  readonly limits;

  constructor(
    private readonly transport: Transport,
    private readonly operatorToken: string,
  ) {
    const call = this.call.bind(this);
    this.tenants = {
      /** A tenant from one tenant of the fixture format: its ids by name, and its clients' secrets. */
      create: (body: CreateTenantBody, o?: CallOptions): Promise<CreatedTenant> =>
        call('Admin_CreateTenant', { body }, o),
      list: (o?: CallOptions) => call('Admin_ListTenants', {}, o),
      get: (tenantId: string, o?: CallOptions) => call('Admin_GetTenant', { params: { tenantId } }, o),
      delete: (tenantId: string, o?: CallOptions) => call('Admin_DeleteTenant', { params: { tenantId } }, o),
      /** Back to the fixture it was made from: same ids and secrets, no faults, real time. */
      reset: (tenantId: string, o?: CallOptions) => call('Admin_ResetTenant', { params: { tenantId } }, o),
    };
    this.users = {
      create: (tenantId: string, body: CreateUserBody, o?: CallOptions) =>
        call('Admin_CreateUser', { params: { tenantId }, body }, o),
      list: (tenantId: string, o?: CallOptions) => call('Admin_ListUsers', { params: { tenantId } }, o),
      deactivate: (tenantId: string, userId: string, o?: CallOptions) =>
        call('Admin_DeactivateUser', { params: { tenantId, userId } }, o),
    };
    this.clients = {
      create: (tenantId: string, body: CreateClientBody, o?: CallOptions) =>
        call('Admin_CreateClient', { params: { tenantId }, body }, o),
      list: (tenantId: string, o?: CallOptions) => call('Admin_ListClients', { params: { tenantId } }, o),
      deactivate: (tenantId: string, clientId: string, o?: CallOptions) =>
        call('Admin_DeactivateClient', { params: { tenantId, clientId } }, o),
    };
    this.clock = {
      get: (tenantId: string, o?: CallOptions): Promise<ClockState> =>
        call('Admin_GetClock', { params: { tenantId } }, o),
      /** `{ time?, frozen? }`: a field left out stays as it is. */
      set: (tenantId: string, body: SetClockBody, o?: CallOptions) =>
        call('Admin_SetClock', { params: { tenantId }, body }, o),
      advance: (tenantId: string, body: AdvanceClockBody, o?: CallOptions) =>
        call('Admin_AdvanceClock', { params: { tenantId }, body }, o),
      /** Back to real time. */
      reset: (tenantId: string, o?: CallOptions) => call('Admin_ResetClock', { params: { tenantId } }, o),
    };
    this.faults = {
      create: (tenantId: string, body: CreateFaultRuleRequest, o?: CallOptions): Promise<FaultRuleResponse> =>
        call('Admin_CreateFaultRule', { params: { tenantId }, body }, o),
      list: (tenantId: string, o?: CallOptions) => call('Admin_ListFaultRules', { params: { tenantId } }, o),
      delete: (tenantId: string, ruleId: string, o?: CallOptions) =>
        call('Admin_DeleteFaultRule', { params: { tenantId, ruleId } }, o),
      clear: (tenantId: string, o?: CallOptions) =>
        call('Admin_ClearFaultRules', { params: { tenantId } }, o),
    };
    this.journal = {
      /** Newest first. */
      list: (tenantId: string, query: JournalQuery = {}, o?: CallOptions) =>
        call('Admin_ListJournal', { params: { tenantId }, query }, o),
      clear: (tenantId: string, o?: CallOptions) => call('Admin_ClearJournal', { params: { tenantId } }, o),
    };
    this.audit = {
      /** Newest first. */
      list: (tenantId: string, query: AuditQuery = {}, o?: CallOptions) =>
        call('Admin_ListAudit', { params: { tenantId }, query }, o),
    };
    this.limits = {
      get: (tenantId: string, o?: CallOptions) => call('Admin_GetLimits', { params: { tenantId } }, o),
      set: (tenantId: string, body: LimitSettings, o?: CallOptions) =>
        call('Admin_SetLimits', { params: { tenantId }, body }, o),
    };
  }

  /** Any admin operation by its name in `OPERATIONS`. */
  async call<K extends AdminId>(
    operationId: K,
    input: OperationInput<K>,
    options: CallOptions = {},
  ): Promise<Operations[K]['response']> {
    const [method] = OPERATIONS[operationId];
    const parts = input as { params?: Record<string, string>; query?: CallRequest['query']; body?: unknown };
    const { body } = await this.transport.call<Operations[K]['response']>(
      {
        method,
        path: operationPath(operationId, parts.params),
        query: parts.query,
        body: parts.body,
        authorization: async () => `Bearer ${this.operatorToken}`,
      },
      // Admin writes take no Idempotency-Key: a retry could do them twice.
      { ...(method === 'GET' ? {} : { maxRetries: 0 }), ...options },
    );
    return body;
  }
}
