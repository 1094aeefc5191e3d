import { pathMatches } from './fault-rules.js';

/**
 * The recent requests of each tenant, kept in memory by the instance that served them: the last
 * `size` per tenant and at most JOURNAL_TENANT_BYTES of them, the oldest dropped, and at most
 * JOURNAL_TOTAL_BYTES for all tenants, the journals idle longest forgotten. Recording costs a
 * few copies and no I/O, which is why it is not in the database; with several instances each holds
 * its own share.
 *
 * Entries are kept as bytes in one growing buffer per tenant, not as objects: under load a ring of
 * objects turns over in well under a second, every entry lives long enough to reach V8's old
 * generation and then dies there, and the old generation grew to three or four times what was
 * live before a full collection (docs/PERFORMANCE.md, "Memory"). Bytes overwritten in place leave no
 * garbage, and an entry is decoded only when the journal is read.
 */

export interface JournalEntry {
  /** When the request arrived, ISO 8601. */
  at: string;
  method: string;
  /** The path and query as sent, secret-bearing parameters masked. */
  url: string;
  /** The request's headers; secret-bearing ones masked. */
  headers: Record<string, string>;
  /** The parsed body (client_secret and other secret fields masked), or null when none was read. */
  body: unknown;
  /** The HTTP status; 0 for a dropped connection. */
  status: number;
  /** The response body, JSON parsed when it is JSON, or null. */
  response: unknown;
  durationMs: number;
  requestId: string;
  trackId: string | null;
}

/** What the recorder hands over: the response either as its value or as the text sent. */
export interface JournalRecord extends Omit<JournalEntry, 'response'> {
  response?: unknown;
  /** The response body as sent; parsed (and a bearer token in it masked) only when read. */
  responseText?: string;
}

export interface JournalFilter {
  /** An exact path or a pattern with `*` (as fault rules), compared with the path without query. */
  path?: string;
  status?: number;
  trackId?: string;
  limit?: number;
}

/** The bytes a tenant's journal holds at most; past it the oldest entries go before `size` is reached. */
export const JOURNAL_TENANT_BYTES = 16 * 1024 * 1024;
/**
 * The bytes all tenants' journals hold at most: past it the journals of the tenants recorded in
 * least recently are forgotten, so memory does not grow with the number of tenants served.
 */
export const JOURNAL_TOTAL_BYTES = 64 * 1024 * 1024;
const FIRST_CAPACITY = 64 * 1024;
/** Two 32-bit lengths before each entry: its JSON, then its response text (NO_TEXT when none). */
const HEADER_BYTES = 8;
const NO_TEXT = 0xffffffff;

const pathOf = (url: string) => url.split('?')[0] ?? url;

/**
 * Keeps at most the first 4 characters of a secret visible (none of one shorter than 16), so two
 * tokens can be told apart but not used, nor guessed from what is shown.
 */
export function maskSecret(value: string): string {
  return value.length < 16 ? '****' : `${value.slice(0, 4)}****`;
}

/** An `Authorization`-like value: the scheme (`Bearer`, `Basic`) stays, the credentials are masked. */
export function maskAuthorization(value: string): string {
  const match = value.match(/^(\S+)\s+(\S+)\s*$/);
  return match ? `${match[1]} ${maskSecret(match[2] ?? '')}` : maskSecret(value);
}

/**
 * Names of query parameters, headers and top-level body fields whose values are secrets, in the
 * journal and the logs (docs/LIMITS.md, "Secrets in the journal and the logs"): client_secret,
 * access_token, token, password, Authorization, Proxy-Authorization, Cookie, Set-Cookie,
 * X-Api-Key and their kin. Idempotency-Key and Zuora-Track-Id are not secrets.
 */
const SECRET_NAME = /secret|passw|token|auth|cookie|api[-_]?key|session|credential|signature/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** A header's value as the journal and the logs show it. */
export function maskHeader(name: string, value: string): string {
  if (!isSecretName(name)) return value;
  return /authorization$/i.test(name) ? maskAuthorization(value) : maskSecret(value);
}

export function maskHeaders(
  headers: Record<string, string | string[] | number | undefined>,
): Record<string, string> {
  const masked: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    masked[name] = maskHeader(name, Array.isArray(value) ? value.join(', ') : String(value));
  }
  return masked;
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** A path and query with the values of secret-bearing query parameters masked. */
export function maskUrl(url: string): string {
  const mark = url.indexOf('?');
  if (mark < 0) return url;
  const query = url
    .slice(mark + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals < 0 ? pair : pair.slice(0, equals);
      if (equals < 0 || !isSecretName(decoded(name))) return pair;
      return `${name}=${encodeURIComponent(maskSecret(decoded(pair.slice(equals + 1))))}`;
    })
    .join('&');
  return `${url.slice(0, mark)}?${query}`;
}

/** A parsed body with the values of secret-named top-level fields masked (the token form's client_secret). */
export function maskBody(body: unknown): unknown {
  if (body === undefined) return null;
  if (!body || typeof body !== 'object' || Array.isArray(body)) return body;
  let masked: Record<string, unknown> | undefined;
  for (const [name, value] of Object.entries(body)) {
    if (!isSecretName(name) || typeof value !== 'string') continue;
    masked ??= { ...body };
    masked[name] = maskSecret(value);
  }
  return masked ?? body;
}

/** A response body as the journal shows it: parsed when JSON, a bearer token in it masked. */
export function parsedResponse(text: string): unknown {
  if (text === '') return null;
  try {
    const parsed = JSON.parse(text);
    if (parsed && typeof parsed.access_token === 'string')
      parsed.access_token = maskSecret(parsed.access_token);
    return parsed;
  } catch {
    return text;
  }
}

/**
 * One tenant's entries, oldest to newest, laid end to end in a buffer used as a circle: an entry
 * is written after the newest, or at the start when it does not fit before the end, and the
 * oldest entries in its way are dropped. The buffer starts small and grows (copying the entries)
 * until it holds `size` entries or reaches `maxBytes`.
 */
export class ByteRing {
  private buffer: Buffer;
  /** Offset and length of each entry, in a circle of `size` slots starting at `first`. */
  private readonly offsets: Uint32Array;
  private readonly lengths: Uint32Array;
  private first = 0;
  private count = 0;
  /** Where the next entry goes when it fits. */
  private head = 0;

  constructor(
    readonly size: number,
    readonly maxBytes: number,
    /** Asked before the buffer grows by `extra` bytes; no means the oldest entries go instead. */
    private readonly mayGrow: (extra: number) => boolean = () => true,
  ) {
    this.buffer = Buffer.allocUnsafe(Math.min(FIRST_CAPACITY, maxBytes));
    this.offsets = new Uint32Array(size);
    this.lengths = new Uint32Array(size);
  }

  get entries(): number {
    return this.count;
  }

  /** Bytes this ring holds (its buffer and its index), whatever its entries use. */
  get bytes(): number {
    return this.buffer.length + this.offsets.byteLength + this.lengths.byteLength;
  }

  /** Appends an entry of `length` bytes written by `write` at the offset given; false if it can never fit. */
  push(length: number, write: (buffer: Buffer, offset: number) => void): boolean {
    if (length > this.maxBytes) return false;
    if (this.count === this.size) this.dropOldest();
    let offset = this.place(length);
    while (offset < 0) {
      const capacity = this.grownCapacity(length);
      if (capacity > this.buffer.length && this.mayGrow(capacity - this.buffer.length)) this.grow(capacity);
      else if (this.count > 0) this.dropOldest();
      else return false;
      offset = this.place(length);
    }
    write(this.buffer, offset);
    const slot = (this.first + this.count) % this.size;
    this.offsets[slot] = offset;
    this.lengths[slot] = length;
    this.count++;
    this.head = offset + length;
    return true;
  }

  /** The entries' bytes, newest first (views into the buffer, valid until the next push). */
  *newestFirst(): Generator<Buffer> {
    for (let i = this.count - 1; i >= 0; i--) {
      const slot = (this.first + i) % this.size;
      const offset = this.offsets[slot] as number;
      yield this.buffer.subarray(offset, offset + (this.lengths[slot] as number));
    }
  }

  /** Where `length` bytes fit without overwriting an entry, or -1. */
  private place(length: number): number {
    if (this.count === 0) return length <= this.buffer.length ? 0 : -1;
    const tail = this.offsets[this.first] as number;
    if (this.head > tail) {
      // Entries from tail to head: free after head, and before tail.
      if (this.buffer.length - this.head >= length) return this.head;
      return tail >= length ? 0 : -1;
    }
    // Wrapped: entries from tail to the end and from the start to head; free between head and tail.
    return tail - this.head >= length ? this.head : -1;
  }

  private dropOldest(): void {
    this.first = (this.first + 1) % this.size;
    this.count--;
    if (this.count === 0) {
      this.first = 0;
      this.head = 0;
    }
  }

  /** The size the buffer would grow to: by half, or to `length`, at most maxBytes. */
  private grownCapacity(length: number): number {
    return Math.min(this.maxBytes, Math.max(Math.ceil(this.buffer.length * 1.5), length));
  }

  /** A buffer of `capacity` bytes, the entries copied to its start, oldest first. */
  private grow(capacity: number): void {
    const next = Buffer.allocUnsafe(capacity);
    let at = 0;
    for (let i = 0; i < this.count; i++) {
      const slot = (this.first + i) % this.size;
      const offset = this.offsets[slot] as number;
      const entryLength = this.lengths[slot] as number;
      this.buffer.copy(next, at, offset, offset + entryLength);
      this.offsets[slot] = at;
      at += entryLength;
    }
    this.buffer = next;
    this.head = at;
  }
}

/** Where a record is encoded before it is copied into its ring (measuring its UTF-8 length first costs more). */
const scratch = Buffer.allocUnsafe(256 * 1024);

/** The record's bytes: two lengths, its JSON (without the response text), the response text. */
function encodedRecord(record: JournalRecord, dropBodies: boolean): Buffer {
  const { responseText, ...fields } = record;
  // `response: null` holds the key's place; the text, if any, is read back into it.
  const rest = { ...fields, response: fields.response ?? null };
  const kept = dropBodies
    ? { ...rest, body: '[not kept: too large]', response: '[not kept: too large]' }
    : rest;
  const json = JSON.stringify(kept);
  const text = dropBodies ? undefined : responseText;
  // UTF-8 takes at most 3 bytes for each UTF-16 unit.
  const most = HEADER_BYTES + 3 * (json.length + (text?.length ?? 0));
  const target = most <= scratch.length ? scratch : Buffer.allocUnsafe(most);
  const jsonBytes = target.write(json, HEADER_BYTES, 'utf8');
  const textBytes = text === undefined ? 0 : target.write(text, HEADER_BYTES + jsonBytes, 'utf8');
  target.writeUInt32LE(jsonBytes, 0);
  target.writeUInt32LE(text === undefined ? NO_TEXT : textBytes, 4);
  return target.subarray(0, HEADER_BYTES + jsonBytes + textBytes);
}

function decodedEntry(bytes: Buffer): JournalEntry {
  const jsonBytes = bytes.readUInt32LE(0);
  const textBytes = bytes.readUInt32LE(4);
  const entry = JSON.parse(bytes.toString('utf8', HEADER_BYTES, HEADER_BYTES + jsonBytes)) as JournalEntry;
  if (textBytes === NO_TEXT) return entry;
  // Decoded now (the buffer is reused), parsed only if the response is looked at.
  let text: string | undefined = bytes.toString(
    'utf8',
    HEADER_BYTES + jsonBytes,
    HEADER_BYTES + jsonBytes + textBytes,
  );
  let response: unknown = null;
  Object.defineProperty(entry, 'response', {
    enumerable: true,
    get() {
      if (text !== undefined) {
        response = parsedResponse(text);
        text = undefined;
      }
      return response;
    },
  });
  return entry;
}

export function createJournal({
  size,
  maxBytes = JOURNAL_TENANT_BYTES,
  totalBytes = JOURNAL_TOTAL_BYTES,
}: {
  size: number;
  /** Bytes of one tenant's journal at most. */
  maxBytes?: number;
  /** Bytes of all tenants' journals at most (never less than one tenant's). */
  totalBytes?: number;
}) {
  // Never so little that one tenant's journal cannot reach maxBytes.
  const total = Math.max(totalBytes, maxBytes + 8 * size);
  /** The tenants' rings, the one recorded in least recently first. */
  const rings = new Map<string, ByteRing>();
  /** Bytes of all the rings. */
  let held = 0;
  /** Room for `extra` more bytes, made by forgetting the journals of the tenants idle longest. */
  function reserve(tenantId: string, extra: number): boolean {
    while (held + extra > total) {
      const idlest = rings.keys().next().value as string | undefined;
      if (idlest === undefined || idlest === tenantId) return false;
      held -= rings.get(idlest)?.bytes ?? 0;
      rings.delete(idlest);
    }
    held += extra;
    return true;
  }
  return {
    enabled: size > 0,
    record(tenantId: string, record: JournalRecord): void {
      if (size <= 0) return;
      let ring = rings.get(tenantId);
      if (ring) {
        // Last in the map's order: the most recently recorded.
        rings.delete(tenantId);
        rings.set(tenantId, ring);
      } else {
        // The buffer's first size and the index: two 32-bit numbers per entry.
        if (!reserve(tenantId, Math.min(FIRST_CAPACITY, maxBytes) + 8 * size)) return;
        ring = new ByteRing(size, maxBytes, (extra) => reserve(tenantId, extra));
        rings.set(tenantId, ring);
      }
      let bytes = encodedRecord(record, false);
      // A request whose body and response outgrow the whole ring is kept without them.
      if (bytes.length > maxBytes) bytes = encodedRecord(record, true);
      ring.push(bytes.length, (buffer, offset) => bytes.copy(buffer, offset));
    },
    /** Newest first. */
    list(tenantId: string, filter: JournalFilter = {}): JournalEntry[] {
      const ring = rings.get(tenantId);
      if (!ring) return [];
      const limit = filter.limit ?? 100;
      const found: JournalEntry[] = [];
      for (const bytes of ring.newestFirst()) {
        if (found.length >= limit) break;
        const entry = decodedEntry(bytes);
        if (filter.status !== undefined && entry.status !== filter.status) continue;
        if (filter.trackId !== undefined && entry.trackId !== filter.trackId) continue;
        if (filter.path !== undefined && !pathMatches(filter.path, pathOf(entry.url))) continue;
        found.push(entry);
      }
      return found;
    },
    clear(tenantId: string): void {
      held -= rings.get(tenantId)?.bytes ?? 0;
      rings.delete(tenantId);
    },
    /** Bytes held by all the tenants' journals. */
    heldBytes(): number {
      return held;
    },
  };
}

export type Journal = ReturnType<typeof createJournal>;
