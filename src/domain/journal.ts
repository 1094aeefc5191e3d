import { pathMatches } from './fault-rules.js';

/**
 * The recent requests of each tenant, kept in memory by the instance that served them: a ring of
 * the last `size` per tenant, the oldest dropped. Recording costs a few object copies and no I/O,
 * which is why it is not in the database; with several instances each holds its own share.
 */

export interface JournalEntry {
  /** When the request arrived, ISO 8601. */
  at: string;
  method: string;
  /** The path and query as sent. */
  url: string;
  /** The request's headers; the bearer token masked. */
  headers: Record<string, string>;
  /** The parsed body (client_secret masked), or null when none was read. */
  body: unknown;
  /** The HTTP status; 0 for a dropped connection. */
  status: number;
  /** The response body, JSON parsed when it is JSON, or null. */
  response: unknown;
  durationMs: number;
  requestId: string;
  trackId: string | null;
}

export interface JournalFilter {
  /** An exact path or a pattern with `*` (as fault rules), compared with the path without query. */
  path?: string;
  status?: number;
  trackId?: string;
  limit?: number;
}

const pathOf = (url: string) => url.split('?')[0] ?? url;

/** Keeps the first and last 4 characters visible, so two tokens can be told apart but not used. */
export function maskSecret(value: string): string {
  return value.length <= 12 ? '****' : `${value.slice(0, 4)}****${value.slice(-4)}`;
}

export function maskAuthorization(value: string): string {
  const match = value.match(/^(\S+)\s+(\S+)\s*$/);
  return match ? `${match[1]} ${maskSecret(match[2] ?? '')}` : maskSecret(value);
}

class Ring {
  private readonly entries: (JournalEntry | undefined)[];
  private next = 0;
  private count = 0;
  constructor(readonly size: number) {
    this.entries = new Array(size);
  }
  push(entry: JournalEntry) {
    this.entries[this.next] = entry;
    this.next = (this.next + 1) % this.size;
    this.count = Math.min(this.count + 1, this.size);
  }
  /** Newest first. */
  *newestFirst(): Generator<JournalEntry> {
    for (let i = 1; i <= this.count; i++) {
      const entry = this.entries[(this.next - i + this.size) % this.size];
      if (entry) yield entry;
    }
  }
}

export function createJournal({ size }: { size: number }) {
  const rings = new Map<string, Ring>();
  return {
    enabled: size > 0,
    record(tenantId: string, entry: JournalEntry): void {
      if (size <= 0) return;
      let ring = rings.get(tenantId);
      if (!ring) {
        ring = new Ring(size);
        rings.set(tenantId, ring);
      }
      ring.push(entry);
    },
    /** Newest first. */
    list(tenantId: string, filter: JournalFilter = {}): JournalEntry[] {
      const ring = rings.get(tenantId);
      if (!ring) return [];
      const limit = filter.limit ?? 100;
      const found: JournalEntry[] = [];
      for (const entry of ring.newestFirst()) {
        if (found.length >= limit) break;
        if (filter.status !== undefined && entry.status !== filter.status) continue;
        if (filter.trackId !== undefined && entry.trackId !== filter.trackId) continue;
        if (filter.path !== undefined && !pathMatches(filter.path, pathOf(entry.url))) continue;
        found.push(entry);
      }
      return found;
    },
    clear(tenantId: string): void {
      rings.delete(tenantId);
    },
  };
}

export type Journal = ReturnType<typeof createJournal>;
