/**
 * SQLite's one connection runs one transaction at a time, and a transaction spans awaits (a
 * request's handler runs inside its Idempotency-Key's transaction). While one is open, everything
 * else that would use the connection waits its turn here, in arrival order: another transaction,
 * or a single statement that must not read the open transaction's uncommitted writes nor write
 * into it.
 *
 * A call made from inside an open transaction's own callback but outside it (through the store
 * instead of the `tx` it was handed) would wait for that transaction, which waits for it: it would
 * hang. Such a wait fails after `waitLimitMs` with `TransactionMisuse` instead, so the mistake is
 * loud. No legitimate wait comes near the limit: a transaction holds the connection for
 * milliseconds.
 */
export class TransactionMisuse extends Error {
  constructor(waitedMs: number) {
    super(
      `A store call waited ${waitedMs} ms for SQLite's open transaction: a call made from inside a ` +
        "transaction's callback through the store instead of the transaction it was handed waits for " +
        'itself. Use the `tx` the callback receives.',
    );
    this.name = 'TransactionMisuse';
  }
}

export interface TransactionQueue {
  /** Whether a transaction (or a queued call) holds the connection now. */
  readonly busy: boolean;
  /** Resolves when the caller holds the connection; call `release()` when done. */
  acquire(): Promise<void>;
  release(): void;
}

export function createTransactionQueue(waitLimitMs: number): TransactionQueue {
  let busy = false;
  const waiting: { grant: () => void }[] = [];
  return {
    get busy() {
      return busy;
    },
    acquire() {
      if (!busy) {
        busy = true;
        return Promise.resolve();
      }
      return new Promise<void>((resolve, reject) => {
        const entry = {
          grant: () => {
            clearTimeout(timer);
            resolve();
          },
        };
        const timer = setTimeout(() => {
          waiting.splice(waiting.indexOf(entry), 1);
          reject(new TransactionMisuse(waitLimitMs));
        }, waitLimitMs);
        waiting.push(entry);
      });
    },
    release() {
      const next = waiting.shift();
      if (next) next.grant();
      else busy = false;
    },
  };
}
