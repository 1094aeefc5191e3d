import { inspect } from 'node:util';

/**
 * Log lines for a person at a terminal: `serve` writes pino's JSON records through this when stdout
 * is a terminal (or with --log-format pretty), one short line a record, and JSON otherwise, for
 * machines. A few dozen lines of our own rather than pino-pretty: the records are few and known
 * (Fastify's request pair, our start, sweep and shutdown lines), and it adds no dependency.
 */

const LEVELS: Record<number, [name: string, color: number]> = {
  10: ['TRACE', 90],
  20: ['DEBUG', 36],
  30: ['INFO ', 32],
  40: ['WARN ', 33],
  50: ['ERROR', 31],
  60: ['FATAL', 35],
};

/** Fields shown in their own place, or not at all, rather than as `key=value`. */
const PLACED = new Set([
  'level',
  'time',
  'pid',
  'hostname',
  'msg',
  'reqId',
  'req',
  'res',
  'responseTime',
  'err',
]);

function value(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) ? JSON.stringify(v) : v;
  return JSON.stringify(v) ?? String(v);
}

function time(epochMs: unknown): string {
  const date = typeof epochMs === 'number' ? new Date(epochMs) : new Date();
  return date.toISOString().slice(11, 23);
}

/** One record as a line (a failure's stack on the lines after). Not JSON: given back as it came. */
export function prettyLine(line: string, color: boolean): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const paint = (code: number, text: string) => (color ? `\u001b[${code}m${text}\u001b[39m` : text);
  const [name, code] = LEVELS[record.level as number] ?? [String(record.level).padEnd(5), 0];
  const parts = [paint(90, time(record.time)), paint(code, name)];
  if (typeof record.reqId === 'string') parts.push(paint(90, record.reqId));
  const req = record.req as { method?: string; url?: string } | undefined;
  const res = record.res as { statusCode?: number } | undefined;
  if (req?.method && record.msg === 'incoming request') parts.push(`→ ${req.method} ${req.url ?? ''}`);
  else if (res?.statusCode !== undefined && record.msg === 'request completed') {
    const ms = typeof record.responseTime === 'number' ? ` ${record.responseTime.toFixed(1)} ms` : '';
    const what = req?.method ? ` ${req.method} ${req.url ?? ''}` : '';
    parts.push(`← ${res.statusCode}${what}${ms}`);
  } else parts.push(String(record.msg ?? ''));
  for (const [key, v] of Object.entries(record)) {
    if (!PLACED.has(key) && v !== undefined) parts.push(paint(90, `${key}=${value(v)}`));
  }
  const err = record.err as { stack?: string; message?: string } | undefined;
  const stack = err ? `\n${err.stack ?? err.message ?? inspect(err)}` : '';
  return `${parts.join(' ')}${stack}`;
}

/** A pino destination: each JSON record written as a readable line to `out`. */
export function prettyDestination(out: NodeJS.WriteStream, color: boolean) {
  return {
    write(chunk: string) {
      for (const line of chunk.split('\n')) if (line !== '') out.write(`${prettyLine(line, color)}\n`);
    },
    /** For logger.flush at exit: called once what was written has left the process. */
    flush(callback: (error?: Error) => void) {
      if (out.writableNeedDrain) out.once('drain', () => callback());
      else callback();
    },
  };
}

/** auto: readable at a terminal, JSON in a pipe or a file. */
export function usePretty(format: 'auto' | 'json' | 'pretty', out: NodeJS.WriteStream): boolean {
  return format === 'pretty' || (format === 'auto' && out.isTTY === true);
}
