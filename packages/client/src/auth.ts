import type { TokenResponse } from './contract.generated.js';
import type { CallOptions, Transport } from './transport.js';

export interface Credentials {
  clientId: string;
  clientSecret: string;
}

interface HeldToken {
  authorization: string;
  /** When to fetch a new one, in ms since the epoch: before the token expires. */
  refreshAt: number;
}

/**
 * OAuth client credentials: a token fetched on first use, kept, and fetched again `refreshMarginMs`
 * before it expires or once after a 401. Calls that need a token while one is being fetched wait for
 * that fetch, so concurrent calls make one token request.
 */
export class TokenManager {
  private held: HeldToken | null = null;
  private pending: Promise<HeldToken> | null = null;
  /** Token requests made, for tests and metrics. */
  tokensFetched = 0;

  constructor(
    private readonly transport: Transport,
    private readonly credentials: Credentials,
    private readonly refreshMarginMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The `Authorization` header value, fetching a token if none is held or it is about to expire. */
  async authorization(options: Pick<CallOptions, 'signal' | 'timeoutMs'> = {}): Promise<string> {
    if (this.held && this.now() < this.held.refreshAt) return this.held.authorization;
    // Not the caller's signal: other calls share this fetch, and one caller's abort must not fail theirs.
    this.pending ??= this.fetchToken({ timeoutMs: options.timeoutMs }).finally(() => {
      this.pending = null;
    });
    return (await this.pending).authorization;
  }

  /** Forgets `authorization` if it is still the one held (a 401 for it); true: a new one is worth a try. */
  invalidate(authorization: string): boolean {
    if (this.held?.authorization === authorization) this.held = null;
    return true;
  }

  /** Makes a token request now: `POST /oauth/token`. */
  async createToken(options: CallOptions = {}): Promise<TokenResponse> {
    const { body } = await this.transport.call<TokenResponse>(
      {
        method: 'POST',
        path: '/oauth/token',
        form: {
          client_id: this.credentials.clientId,
          client_secret: this.credentials.clientSecret,
          grant_type: 'client_credentials',
        },
      },
      { ...options, entityId: undefined },
    );
    this.tokensFetched++;
    return body;
  }

  private async fetchToken(options: Pick<CallOptions, 'signal' | 'timeoutMs'>): Promise<HeldToken> {
    const requested = this.now();
    const token = await this.createToken(options);
    const lifetimeMs = token.expires_in * 1000;
    const held = {
      authorization: `Bearer ${token.access_token}`,
      refreshAt: requested + lifetimeMs - this.refreshMarginMs,
    };
    this.held = held;
    return held;
  }
}
