import { AdminApi } from './admin-api.js';
import { type Credentials, TokenManager } from './auth.js';
import {
  type OperationInput,
  type OperationRequest,
  type OperationResponse,
  operationRequest,
  type ZuoraOperationId,
} from './operations.js';
import { type CallOptions, checkEntityId, type RetryOptions, Transport } from './transport.js';
import { EntitiesApi, EntityConnectionsApi, OAuthApi, UsersApi } from './zuora-api.js';

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
    return this.send(operationId, operationRequest(operationId, input), options);
  }

  /** A GET operation at a URL the server gave, such as a `nextPage`. */
  requestUrl<K extends ZuoraOperationId>(
    operationId: K,
    url: string,
    options: CallOptions = {},
  ): Promise<OperationResponse<K>> {
    return this.send(operationId, { method: 'GET', path: url }, options);
  }

  private async send<K extends ZuoraOperationId>(
    operationId: K,
    request: OperationRequest,
    options: CallOptions,
  ): Promise<OperationResponse<K>> {
    const tokens = this.shared.tokens;
    if (tokens === null) throw new TypeError(`${operationId} needs the clientId and clientSecret options`);
    const call = { ...this.defaults, ...options };
    const result = await this.shared.transport.call<OperationResponse<K>>(
      {
        ...request,
        authorization: () => tokens.authorization(call),
        onUnauthorized: (authorization) => tokens.invalidate(authorization),
      },
      call,
    );
    return result.body;
  }
}
