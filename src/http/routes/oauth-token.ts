import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { tokenRoute } from '../../contract/oauth.js';
import { AppError } from '../../domain/errors.js';
import type { Services } from '../../services.js';

/** application/x-www-form-urlencoded decoding of one value: `+` is a space, then %XX. */
function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replaceAll('+', ' '));
  } catch {
    throw new AppError('BASIC_CREDENTIALS_INVALID');
  }
}

/**
 * The client of `Authorization: Basic …` (RFC 6749 2.3.1): base64 of client_id ":" client_secret,
 * each form-urlencoded first, so the id is everything before the first colon. undefined when the
 * header is absent or of another scheme.
 */
export function basicClient(header: string | undefined): { id: string; secret: string } | undefined {
  const match = /^basic(?:\s+(\S*))?\s*$/i.exec(header?.trim() ?? '');
  if (!match) return undefined;
  const encoded = match[1] ?? '';
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded) || encoded.length % 4 !== 0) {
    throw new AppError('BASIC_CREDENTIALS_INVALID');
  }
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new AppError('BASIC_CREDENTIALS_INVALID');
  return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
}

export function registerOAuthTokenRoute(app: FastifyInstance, services: Pick<Services, 'auth'>): void {
  app.withTypeProvider<TypeBoxTypeProvider>().post(
    '/oauth/token',
    {
      schema: tokenRoute,
      // Client authentication by HTTP Basic, beside the form's fields (RFC 6749 2.3.1): the header's
      // id and secret fill the form's before validation, so the token limit and the service read
      // one client. Named twice with different values is 400.
      preValidation: async (request) => {
        const basic = basicClient(request.headers.authorization);
        if (!basic) return;
        const form = (request.body ?? {}) as Record<string, unknown>;
        for (const [field, value] of [
          ['client_id', basic.id],
          ['client_secret', basic.secret],
        ] as const) {
          if (form[field] !== undefined && form[field] !== value)
            throw new AppError('CLIENT_CREDENTIALS_CONFLICT');
        }
        request.body = { ...form, client_id: basic.id, client_secret: basic.secret };
      },
    },
    async (request) => {
      try {
        return await services.auth.issueToken(request.body, request.tokenClient);
      } catch (error) {
        // A client that authenticated with Basic is told so in the challenge (RFC 6749 5.2).
        if (
          error instanceof AppError &&
          error.code === 'INVALID_CLIENT' &&
          basicClient(request.headers.authorization)
        ) {
          throw new AppError('INVALID_CLIENT', undefined, {
            headers: { 'WWW-Authenticate': 'Basic realm="multientity", charset="UTF-8"' },
          });
        }
        throw error;
      }
    },
  );
}
