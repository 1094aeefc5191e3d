import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the checkpointing thread copies the WAL into the database file. */
export const CHECKPOINT_INTERVAL_MS = 100;

/**
 * The thread's code, evaluated rather than loaded from a file so that it runs the same from
 * `src/` under tsx, from `dist/` and from a bundle. A PASSIVE checkpoint never waits for the
 * server's connection: it copies what no reader still needs and leaves the rest to the next round.
 */
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    // One failure ends the thread's work: the server's connection checkpoints from then on.
    clearInterval(timer);
    parentPort.postMessage({ error: String(error && error.message || error) });
  }
}, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'close') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/** How long `close()` waits for the thread to exit before it terminates it. */
export const CHECKPOINT_CLOSE_TIMEOUT_MS = 2_000;

export interface BackgroundCheckpointOptions {
  intervalMs?: number;
  /** How long one checkpoint waits for a lock another connection holds (SQLite's busy_timeout). */
  busyTimeoutMs?: number;
  /** Reports the thread's failure (the error it gave), after `onFailure`. */
  onError?: (message: string) => void;
}

export interface BackgroundCheckpoints {
  /**
   * Stops the thread and closes its connection; resolves once it has exited, or once it has been
   * terminated when it did not exit within CHECKPOINT_CLOSE_TIMEOUT_MS (a checkpoint waiting on a
   * lock), so that a shutdown never waits on it for long.
   */
  close(): Promise<void>;
}

/**
 * Checkpoints a WAL database from a thread of its own. SQLite's automatic checkpoint runs inside
 * the commit that takes the WAL past 1,000 pages, on the event loop: it copies those pages into
 * the database file and fsyncs both files (synchronous=NORMAL). This thread, with its own
 * connection, does most of that work off the event loop (docs/PERFORMANCE.md); the server's
 * connection only checkpoints what is left when the WAL grows large (sqlite-store.ts). Durability
 * is unchanged: a commit is in the WAL when it returns, whichever connection later copies it, and
 * a checkpoint syncs the database file before the WAL may be reused. If the thread fails,
 * `onFailure` runs, and the caller turns automatic checkpoints back on.
 */
export function startBackgroundCheckpoints(
  path: string,
  onFailure: () => void,
  options: BackgroundCheckpointOptions = {},
): BackgroundCheckpoints {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      driver,
      path,
      intervalMs: options.intervalMs ?? CHECKPOINT_INTERVAL_MS,
      busyTimeoutMs: options.busyTimeoutMs ?? 5_000,
    },
    // The thread needs none of the server's loaders or flags (tsx, --cpu-prof).
    execArgv: [],
  });
  let closing = false;
  let failed = false;
  let exitedAlready = false;
  const fail = (message: string) => {
    if (closing || failed) return;
    failed = true;
    onFailure();
    options.onError?.(message);
  };
  worker.on('message', (message: { error?: string }) => {
    if (message.error) fail(message.error);
  });
  worker.on('error', (error) => fail(String(error?.message ?? error)));
  worker.once('exit', () => {
    exitedAlready = true;
    fail('the checkpointing thread exited');
  });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  // A server that is done must not be kept alive by its checkpointer.
  worker.unref();
  let closed: Promise<void> | undefined;
  return {
    close() {
      closed ??= (async () => {
        closing = true;
        if (exitedAlready) return;
        // Held until the thread has closed its connection, or the process could end first. Told to
        // stop whether or not it failed: a thread that reported an error is still running.
        worker.ref();
        worker.postMessage('close');
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), CHECKPOINT_CLOSE_TIMEOUT_MS);
        });
        const late = await Promise.race([exited.then(() => false), timedOut]);
        clearTimeout(timer);
        if (late) {
          // terminate() takes effect once the thread is back in JavaScript (a checkpoint waiting on a
          // lock returns within its busy_timeout); not waited for, nor allowed to hold the process.
          worker.unref();
          void worker.terminate().catch(() => {});
        }
      })();
      return closed;
    },
  };
}
