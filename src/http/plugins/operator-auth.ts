import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { AppError } from '../../domain/errors.js';

/** Every route under this prefix is the operator's, whatever its route options say. */
export const ADMIN_PREFIX = '/admin/';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Checks `Authorization: Bearer <operator token>`: none or not a bearer is 401, another token is
 * 403. Without a configured token the admin API is closed (403): there is no default token.
 */
export function operatorGuard(operatorToken: string | undefined) {
  // Digests of equal length let timingSafeEqual compare without leaking the token's length.
  const expected = operatorToken ? digest(operatorToken) : undefined;
  return async function checkOperator(request: FastifyRequest): Promise<void> {
    const bearer = request.headers.authorization?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
    if (!bearer) {
      throw new AppError('OPERATOR_TOKEN_MISSING', undefined, { headers: { 'WWW-Authenticate': 'Bearer' } });
    }
    if (!expected || !timingSafeEqual(digest(bearer), expected)) throw new AppError('OPERATOR_TOKEN_INVALID');
  };
}

/**
 * Guards every route whose URL starts with /admin/ (onRequest, before the body is read), so an admin
 * route registered anywhere cannot be left open by forgetting an option.
 */
export function operatorAuth(operatorToken: string | undefined): onRequestAsyncHookHandler {
  const check = operatorGuard(operatorToken);
  return async function operatorAuth(request) {
    if (!request.routeOptions.url?.startsWith(ADMIN_PREFIX)) return;
    await check(request);
  };
}
