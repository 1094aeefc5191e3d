import type { FastifyRequest } from 'fastify';
import type { LoggerOptions } from 'pino';
import { maskHeader, maskHeaders, maskUrl } from '../domain/journal.js';

/** Headers pino's redaction masks wherever a request or response object logs them. */
const SECRET_HEADERS = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'api-key',
  'x-auth-token',
  'x-access-token',
];

/**
 * The logger's options: the request serializer writes the URL with secret-bearing query
 * parameters masked (`/oauth/token?client_secret=…`), and headers, should anything log them, are
 * masked as the journal masks them, showing at most 4 characters (docs/LIMITS.md).
 */
export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    serializers: {
      // Fastify's own fields for a request; anything else logged as `req` (a plain object with
      // headers, say) keeps its fields, its URL and headers masked.
      req(request: Partial<FastifyRequest> & Record<string, unknown>) {
        if (typeof request !== 'object' || request === null) return request;
        const isFastify = typeof request.method === 'string' && request.raw !== undefined;
        const out: Record<string, unknown> = isFastify
          ? {
              method: request.method,
              url: request.url,
              host: request.host,
              remoteAddress: request.ip,
              remotePort: request.socket?.remotePort,
            }
          : { ...request };
        if (typeof out.url === 'string') out.url = maskUrl(out.url);
        if (!isFastify && request.headers && typeof request.headers === 'object') {
          out.headers = maskHeaders(request.headers as Record<string, string>);
        }
        return out;
      },
      headers: (headers: Record<string, string | string[] | undefined>) => maskHeaders(headers),
    },
    redact: {
      paths: ['req', 'res', 'request', 'reply', 'response'].flatMap((owner) =>
        SECRET_HEADERS.map((name) => `${owner}.headers["${name}"]`),
      ),
      censor: (value: unknown, path: string[]) =>
        typeof value === 'string' ? maskHeader(path[path.length - 1] ?? '', value) : '****',
    },
  };
}
