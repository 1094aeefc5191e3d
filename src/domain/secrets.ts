import * as crypto from 'node:crypto';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * SHA-256 of a string, as hex. `crypto.hash` (Node 20.12 and later) hashes in one call, without
 * the Hash object `createHash` makes: it runs for every authenticated request.
 */
export const sha256Hex: (text: string) => string =
  typeof crypto.hash === 'function'
    ? (text) => crypto.hash('sha256', text, 'hex')
    : (text) => createHash('sha256').update(text).digest('hex');

/**
 * Client secrets are stored as salted SHA-256, bearer tokens as plain SHA-256. A slow password hash
 * (argon2, scrypt) defends low-entropy human passwords; the secrets the server generates carry 240
 * bits of randomness and tokens 128, so a fast hash is as safe here and keeps `POST /oauth/token`
 * and every authenticated request cheap. Fixture secrets are chosen by whoever writes the fixture,
 * for test setups: pick long random ones for anything real.
 */
export function hashSecret(secret: string, salt = randomBytes(16).toString('hex')): string {
  return `sha256$${salt}$${createHash('sha256').update(salt).update(secret).digest('hex')}`;
}

export function verifySecret(secret: string, stored: string): boolean {
  const [scheme, salt, digest] = stored.split('$');
  if (scheme !== 'sha256' || salt === undefined || digest === undefined) return false;
  const actual = Buffer.from(hashSecret(secret, salt).split('$')[2] ?? '', 'hex');
  const expected = Buffer.from(digest, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export function hashToken(token: string): string {
  return sha256Hex(token);
}
