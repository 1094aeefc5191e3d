import { sha256Hex } from '../../domain/secrets.js';

/**
 * A 64-bit advisory lock id from a name: the first 64 bits of its SHA-256, as PostgreSQL's signed
 * bigint. Callers namespace their names (an Idempotency-Key's is tenant, client and key; a tenant
 * creation's starts with "tenant creation"), so that two kinds of lock never share an id.
 */
export const advisoryLockId = (name: string): string =>
  BigInt.asIntN(64, BigInt(`0x${sha256Hex(name).slice(0, 16)}`)).toString();
