import { randomBytes, randomFillSync, randomUUID } from 'node:crypto';

/** Makes the ids the server hands out. A seeded generator can replace it for repeatable runs. */
export interface IdGenerator {
  /** 32 lowercase hex characters: Zuora's form for entity, connection, user and token ids. */
  hex32(): string;
  /** 36 characters: a hyphenated UUID, Zuora's form for OAuth client ids. */
  uuid(): string;
  /** A secret of `length` URL-safe characters. */
  secret(length: number): string;
  /** A tenant id: digits. */
  tenantId(): string;
}

/**
 * Random bytes drawn 4 kB at a time from the operating system's CSPRNG and handed out 16 at a time,
 * each once: the same randomness as one `randomBytes(16)` per id, without a system call for each
 * (Node pools `randomUUID` the same way). Several ids are drawn for every write.
 */
const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let poolOffset = POOL_SIZE;

function randomHex16Bytes(): string {
  if (poolOffset + 16 > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const hex = pool.toString('hex', poolOffset, poolOffset + 16);
  // Zeroed once used, so no byte of the pool can be handed out, or leak, twice.
  pool.fill(0, poolOffset, poolOffset + 16);
  poolOffset += 16;
  return hex;
}

export const randomIds: IdGenerator = {
  hex32: randomHex16Bytes,
  uuid: () => randomUUID(),
  secret: (length) =>
    randomBytes(Math.ceil((length * 3) / 4))
      .toString('base64url')
      .slice(0, length),
  tenantId: () => String(10000 + (randomBytes(4).readUInt32BE(0) % 90000000)),
};

const HEX32 = /^[0-9a-f]{32}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function hexToUuid(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Zuora writes entity ids as 32 hex characters and, in token scopes and Zuora-Entity-Ids, also as a
 * hyphenated UUID of the same digits (docs/CONTRACT.md §2). Returns the canonical 32-hex form, or null.
 */
export function parseEntityId(value: string): string | null {
  const lower = value.trim().toLowerCase();
  if (HEX32.test(lower)) return lower;
  if (UUID.test(lower)) return lower.replaceAll('-', '');
  return null;
}

export function isHex32(value: string): boolean {
  return HEX32.test(value);
}
