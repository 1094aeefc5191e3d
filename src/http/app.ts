import { randomUUID } from 'node:crypto';
import AjvCompiler, { type Options as AjvOptions, type ValidatorFactory } from '@fastify/ajv-compiler';
import compress from '@fastify/compress';
import formbody from '@fastify/formbody';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { AppError } from '../domain/errors.js';
import type { Services } from '../services.js';
import {
  bareErrorResponse,
  clientErrorHandler,
  frameworkErrorHandler,
  registerErrorHandler,
  sendError,
} from './error-handler.js';
import { lazySerializerFactory, lazyValidatorFactory } from './lazy-compilers.js';
import { documentRoute, security, securitySchemes } from './openapi.js';
import { registerPipeline, requestPipeline } from './pipeline.js';
import { createMetrics, OneLinePerRequest } from './plugins/metrics.js';
import { registerAdminAuditRoutes } from './routes/admin/audit.js';
import { registerAdminClientRoutes } from './routes/admin/clients.js';
import { registerAdminClockRoutes } from './routes/admin/clock.js';
import { registerAdminFaultRoutes } from './routes/admin/faults.js';
import { registerAdminJournalRoutes } from './routes/admin/journal.js';
import { registerAdminLimitRoutes } from './routes/admin/limits.js';
import { registerAdminTenantRoutes } from './routes/admin/tenants.js';
import { registerAdminUserRoutes } from './routes/admin/users.js';
import { registerConsoleRoutes } from './routes/console.js';
import { registerEntityRoutes } from './routes/entities.js';
import { registerEntityConnectionRoutes } from './routes/entity-connections.js';
import { registerHealthRoute } from './routes/health.js';
import { registerMetricsRoute } from './routes/metrics.js';
import { registerOAuthTokenRoute } from './routes/oauth-token.js';
import { registerReadyRoute } from './routes/ready.js';
import { registerUserRoutes } from './routes/users.js';

export interface AppOptions {
  services: Services;
  config: Pick<Config, 'bodyLimit'> & Partial<Pick<Config, 'operatorToken'>>;
  /** A pino logger; none when left out. */
  logger?: FastifyBaseLogger;
}

/** The media types Zuora gzips when the client accepts it (docs/CONTRACT.md §2). */
const COMPRESSIBLE = /^(application\/json|application\/xml|text\/html|text\/csv|text\/plain)\b/;

/** Turns a route URL into a pattern for telling 405 (path known, method not) from 404. */
function routePattern(url: string): RegExp {
  const source = url
    .split('/')
    .map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  // No optional trailing slash: the router does not serve one, so such a path is 404, not 405.
  return new RegExp(`^${source}$`);
}

const buildAjvValidator = AjvCompiler();

/** The admin API's schemas are compiled on first use, not before listening (lazy-compilers.ts). */
const compiledOnFirstUse = (route: { url?: string }) => route.url?.startsWith('/admin/') ?? false;

/**
 * Query strings and headers arrive as text and are coerced ("30" to 30); JSON bodies arrive typed,
 * and coercing them would turn `null` into "" and `true` into "true" instead of refusing them (20).
 */
const buildValidator: ValidatorFactory = lazyValidatorFactory((externalSchemas, options) => {
  const coercing = buildAjvValidator(externalSchemas, options);
  const customOptions = { ...(options?.customOptions as AjvOptions | undefined), coerceTypes: false };
  const strict = buildAjvValidator(externalSchemas, { plugins: options?.plugins, customOptions });
  return (route) => (route.httpPart === 'body' ? strict : coercing)(route);
}, compiledOnFirstUse);

/**
 * Builds the whole HTTP application: the request pipeline (http/pipeline.ts, the one list of its
 * steps by phase), the error handler, the plugins of the API reference, forms and compression, then
 * the routes.
 */
export async function buildApp({ services, config, logger }: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(logger ? { loggerInstance: logger } : { logger: false }),
    // One line per request, not Fastify's two (metrics.ts). Fastify 5.12's logController replaces
    // its `disableRequestLogging`, which would also silence its error and stream lines.
    logController: new OneLinePerRequest(),
    bodyLimit: config.bodyLimit,
    genReqId: () => randomUUID(),
    return503OnClosing: false, // request-context answers 503 in Zuora's envelope instead
    // Every answer in Zuora's envelope, with a Zuora-Request-Id: URLs the router cannot decode or
    // whose parameter is too long (frameworkErrors), HTTP messages Node's parser refuses
    // (clientErrorHandler), and HTTP/1.1 without Host, which Node would answer itself with an
    // empty 400: request-context refuses it instead.
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
    http: { requireHostHeader: false },
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false },
    },
    schemaController: {
      compilersFactory: { buildValidator, buildSerializer: lazySerializerFactory(compiledOnFirstUse) },
    },
  });

  const metrics = createMetrics(services.database);
  registerPipeline(app, requestPipeline({ services, config, metrics }));
  registerErrorHandler(app);
  // Node answers an Expect other than 100-continue with a bare 417 unless someone listens.
  app.server.on('checkExpectation', (_request, response) => {
    const { status, headers, body } = bareErrorResponse(new AppError('EXPECTATION_UNSUPPORTED'));
    response.writeHead(status, headers).end(body);
  });

  await app.register(swagger, {
    transform: documentRoute,
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'multientity: Zuora Multi-entity API',
        version: '0.1.0',
        description: "A self-hostable server that speaks Zuora's Multi-entity REST API.",
      },
      components: { securitySchemes },
      security,
    },
  });
  // A browsable reference at /docs, served from the package's own files (no network).
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(formbody);
  // Responses only: request bodies are inflated by the pipeline's body decoding, which bounds memory.
  await app.register(compress, {
    global: true,
    globalDecompression: false,
    encodings: ['gzip'],
    threshold: 1001, // "over 1000 bytes" (docs/CONTRACT.md §2); @fastify/compress compresses at >= threshold
    customTypes: COMPRESSIBLE,
  });

  const routes: { method: string; pattern: RegExp }[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, pattern: routePattern(route.url) });
  });

  registerHealthRoute(app, services);
  registerReadyRoute(app, services);
  registerMetricsRoute(app, metrics);
  registerOAuthTokenRoute(app, services);
  registerEntityRoutes(app, services);
  registerEntityConnectionRoutes(app, services);
  registerUserRoutes(app, services);
  registerAdminTenantRoutes(app, services);
  registerAdminUserRoutes(app, services);
  registerAdminClientRoutes(app, services);
  registerAdminClockRoutes(app, services);
  registerAdminAuditRoutes(app, services);
  registerAdminFaultRoutes(app, services);
  registerAdminJournalRoutes(app, services);
  registerAdminLimitRoutes(app, services);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  registerConsoleRoutes(app);

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const allowed = [...new Set(routes.filter((r) => r.pattern.test(path)).map((r) => r.method))];
    if (!allowed.some((method) => method !== 'HEAD'))
      return sendError(request, reply, new AppError('ROUTE_NOT_FOUND'));
    const headers = { Allow: allowed.join(', ') };
    return sendError(request, reply, new AppError('METHOD_NOT_ALLOWED', undefined, { headers }));
  });

  return app;
}
