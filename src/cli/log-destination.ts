import { write as fsWrite, writeSync } from 'node:fs';

/** Destinations holding lines not yet written, for the exit hook. */
const unwritten = new Set<TurnDestination>();
let exitHooked = false;

/** A pipe whose reader is behind (EAGAIN on a non-blocking descriptor): tried again after this. */
const RETRY_MS = 10;

/**
 * Where `serve` writes its JSON log lines: off the request's path, and in as few writes as the load
 * allows. pino formats a line where it is logged; the line is kept, and the lines of one turn of the
 * event loop (under load, every request that turn completed) are written together when the turn
 * ends, in one asynchronous write (libuv's thread pool, so a slow reader never blocks the server).
 * Lines logged while a write is under way go out in the next one, so one write is in flight at a
 * time and lines keep their order. pino's asynchronous destination (sonic-boom) writes each line that
 * arrives while no write is under way on its own, which under load cost two to four times as much
 * CPU a line (docs/PERFORMANCE.md, "Logging").
 *
 * `flush(callback)` calls back once every line logged before it is written; lines still held when
 * the process exits (a crash, process.exit) are written synchronously by an exit hook.
 */
export class TurnDestination {
  private held = '';
  private scheduled = false;
  private writing = false;
  /** After EPIPE (the reader is gone) nothing more is written. */
  private closed = false;
  /** The error of the last write, until one succeeds. */
  private failing: Error | undefined;
  private waiting: ((error?: Error) => void)[] = [];
  private readonly startWrite = () => this.writeHeld();

  constructor(private readonly fd: number) {}

  write(line: string): void {
    if (this.closed) return;
    this.held += line;
    if (this.scheduled || this.writing) return;
    this.scheduled = true;
    unwritten.add(this);
    hookExit();
    setImmediate(this.startWrite);
  }

  /** For pino's logger.flush: calls back once everything logged so far is written. */
  flush(callback: (error?: Error) => void): void {
    if (this.closed || (!this.writing && this.held === '')) {
      process.nextTick(callback);
      return;
    }
    this.waiting.push(callback);
    if (!this.writing) this.writeHeld();
  }

  /** At exit: what is held, written now (a write still in flight finishes on its thread). */
  flushSync(): void {
    unwritten.delete(this);
    if (this.closed || this.held === '') return;
    let data = Buffer.from(this.held);
    this.held = '';
    for (let tries = 0; data.length > 0 && tries < 100; tries++) {
      try {
        data = data.subarray(writeSync(this.fd, data));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, RETRY_MS);
      }
    }
  }

  private writeHeld(): void {
    this.scheduled = false;
    if (this.writing || this.closed || this.held === '') return;
    this.writing = true;
    this.send(Buffer.from(this.held));
    this.held = '';
  }

  private send(data: Buffer): void {
    fsWrite(this.fd, data, 0, data.length, null, (error, written) => {
      if (error?.code === 'EAGAIN') {
        setTimeout(() => this.send(data), RETRY_MS);
        return;
      }
      if (error?.code === 'EPIPE') return this.close(error);
      if (error) this.dropped(error);
      else if (written < data.length) return this.send(data.subarray(written));
      else this.failing = undefined;
      this.writing = false;
      if (this.held !== '') return this.writeHeld();
      unwritten.delete(this);
      this.callBack(this.failing);
    });
  }

  /**
   * A write that failed (a full disk under a redirect, say): its lines are lost, said once on
   * stderr until a write succeeds again, and logging goes on.
   */
  private dropped(error: Error): void {
    if (!this.failing) process.stderr.write(`log lines could not be written to stdout: ${error.message}\n`);
    this.failing = error;
  }

  /** The reader is gone (EPIPE): nothing more is written, and the server goes on. */
  private close(error: Error): void {
    this.closed = true;
    this.writing = false;
    this.held = '';
    unwritten.delete(this);
    this.callBack(error);
  }

  private callBack(error: Error | undefined): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const callback of waiting) callback(error);
  }
}

function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', () => {
    for (const destination of unwritten) destination.flushSync();
  });
}
