import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LoggerOptions } from 'pino';
import { maskHeaders, maskUrl } from '../domain/journal.js';

type Logged = Record<string, unknown>;

/** A value logged with a `headers` object of its own: a copy with the headers masked. */
function withHeadersMasked(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const { headers } = value as Logged;
  if (typeof headers !== 'object' || headers === null) return value;
  return { ...(value as Logged), headers: maskHeaders(headers as Record<string, string>) };
}

/**
 * The logger's options. Secrets are masked by serializers, which pino runs only on the keys a line
 * has: the request serializer writes the URL with secret-bearing query parameters masked
 * (`/oauth/token?client_secret=…`), and headers, should anything log them (as `headers`, or inside
 * `req`, `res`, `request`, `reply` or `response`), are masked as the journal masks them, showing at
 * most 4 characters (docs/LIMITS.md). Not pino's `redact`: it copies and walks every path of
 * every object logged under those keys on every line, about half the cost of a request's line
 * (docs/PERFORMANCE.md, "Logging").
 */
export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    serializers: {
      // Fastify's own fields for a request; anything else logged as `req` (a plain object with
      // headers, say) keeps its fields, its URL and headers masked.
      req(request: Partial<FastifyRequest> & Logged) {
        if (typeof request !== 'object' || request === null) return request;
        if (typeof request.method === 'string' && request.raw !== undefined) {
          return {
            method: request.method,
            url: maskUrl(request.url as string),
            host: request.host,
            remoteAddress: request.ip,
            remotePort: request.socket?.remotePort,
          };
        }
        const out = withHeadersMasked(request) as Logged;
        return typeof out.url === 'string' ? { ...out, url: maskUrl(out.url) } : out;
      },
      // Fastify's own field for a reply (its serializer's, which this one replaces); anything else
      // logged as `res` keeps its fields, its headers masked.
      res(reply: Partial<FastifyReply> & Logged) {
        if (
          typeof reply === 'object' &&
          reply !== null &&
          reply.raw !== undefined &&
          reply.request !== undefined
        ) {
          return { statusCode: reply.statusCode };
        }
        return withHeadersMasked(reply);
      },
      request: withHeadersMasked,
      reply: withHeadersMasked,
      response: withHeadersMasked,
      headers: (headers: Record<string, string | string[] | undefined>) => maskHeaders(headers),
    },
  };
}
