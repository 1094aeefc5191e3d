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
db.pragma('busy_timeout = 5000');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
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

export interface BackgroundCheckpoints {
  /** Stops the thread and closes its connection; resolves once it has exited. */
  close(): Promise<void>;
}

/**
 * Checkpoints a WAL database from a thread of its own. SQLite's automatic checkpoint runs inside
 * the commit that takes the WAL past 1,000 pages, on the event loop: it copies those pages into
 * the database file and fsyncs both files (synchronous=NORMAL). On the benchmark machine that was
 * about a third of the time of an idempotent POST's writes (docs/PERFORMANCE.md). This thread, with
 * its own connection, does most of that work off the event loop; the server's connection only
 * checkpoints what is left when the WAL grows large (sqlite-store.ts). Durability is unchanged: a commit is in the WAL when it returns, whichever
 * connection later copies it, and a checkpoint syncs the database file before the WAL may be
 * reused. If the thread fails, `onFailure` runs, and the caller turns automatic checkpoints back on.
 */
export function startBackgroundCheckpoints(path: string, onFailure: () => void): BackgroundCheckpoints {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { driver, path, intervalMs: CHECKPOINT_INTERVAL_MS },
    // The thread needs none of the server's loaders or flags (tsx, --cpu-prof).
    execArgv: [],
  });
  let closing = false;
  let failed = false;
  const fail = () => {
    if (closing || failed) return;
    failed = true;
    onFailure();
  };
  worker.on('message', (message: { error?: string }) => {
    if (message.error) fail();
  });
  worker.on('error', fail);
  worker.once('exit', fail);
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  // A server that is done must not be kept alive by its checkpointer.
  worker.unref();
  return {
    async close() {
      if (closing) return exited;
      closing = true;
      // Held until the thread has closed its connection, or the process could end first.
      worker.ref();
      if (!failed) worker.postMessage('close');
      await exited;
    },
  };
}
