import { createHash } from 'node:crypto';
import { hexToUuid, type IdGenerator } from './ids.js';

const digest = (...parts: string[]) => createHash('sha256').update(parts.join('\u0000')).digest('hex');

/**
 * The ids of one request of a seeded tenant: the n-th id of sequence s is a hash of (seed, tenant,
 * s, n). Sequences come from a counter in the database, one per request, so two runs of a suite
 * that make the same requests in the same order get the same ids, and a restart never repeats one.
 * Secrets stay random: a seed is not a secret, so nothing it derives may be one.
 */
export function seededIds(
  seed: string,
  tenantId: string,
  sequence: number,
  random: IdGenerator,
): IdGenerator {
  let n = 0;
  const next = () => digest('id', seed, tenantId, String(sequence), String(n++));
  return {
    hex32: () => next().slice(0, 32),
    // Shaped as a version 4 UUID, as Zuora's client ids are.
    uuid: () => {
      const hex = next();
      return hexToUuid(`${hex.slice(0, 12)}4${hex.slice(13, 16)}8${hex.slice(17, 32)}`);
    },
    secret: (length) => random.secret(length),
    tenantId: () => random.tenantId(),
  };
}

/** The tenant id a seed stands for when the body names none: digits, as Zuora's are. */
export function seededTenantId(seed: string): string {
  return String(10_000 + (Number.parseInt(digest('tenant', seed).slice(0, 12), 16) % 90_000_000));
}
