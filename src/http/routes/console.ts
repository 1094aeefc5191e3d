import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { AppError } from '../../domain/errors.js';

/**
 * The console's pages allow nothing but this server's own files: no inline script or style, no
 * other origin, no frames, no plugins. The console's own code sets styles only through the DOM
 * (which CSP allows), never as markup.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The built files (scripts/build.mjs), by name; nothing else under /console/ is served. */
const ASSETS: Record<string, string> = {
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'app.js.map': 'application/json; charset=utf-8',
  'app.css.map': 'application/json; charset=utf-8',
};

/**
 * Where the build put the console: beside the bundle that runs (dist/cli/main.js → dist/console/),
 * or, when the server runs from source (tests, tsx), in the repository's dist/console/.
 */
function findAssets(): string | null {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, '..', 'console'), join(here, '..', '..', '..', 'dist', 'console')];
  return candidates.find((directory) => existsSync(join(directory, 'app.js'))) ?? null;
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/console/app.css">
</head>
<body>
${body}
</body>
</html>
`;
}

const LANDING = page(
  'multientity',
  `<header class="top"><a class="brand" href="/">multientity</a></header>
<main class="landing">
<h1>multientity</h1>
<p>A server that speaks Zuora's Multi-entity REST API. <code>npm start</code> printed the operator
token and the demo tenant's OAuth client: sign in to the console with either.</p>
<ul class="links">
<li><a href="/console">Console</a>: tenants, entities, connections, user access, the request journal, clocks and faults</li>
<li><a href="/docs">API reference</a> (Swagger UI)</li>
<li><a href="/openapi.json">OpenAPI document</a></li>
<li><a href="/health">/health</a>: liveness, with the database's state</li>
<li><a href="/ready">/ready</a>: 200 while the database answers</li>
<li><a href="/metrics">/metrics</a>: Prometheus metrics</li>
</ul>
</main>`,
);

const CONSOLE = page(
  'multientity console',
  `<div id="app"><main class="landing"><h1>multientity console</h1><p>Loading… The console needs JavaScript.</p></main></div>
<script type="module" src="/console/app.js"></script>`,
);

const NOT_BUILT = page(
  'multientity console',
  `<main class="landing"><h1>multientity console</h1>
<p>The console is not built. Run <code>npm run build</code> and reload this page.</p></main>`,
);

function sendHtml(reply: FastifyReply, html: string) {
  return reply
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', CONSOLE_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-cache')
    .send(html);
}

/**
 * `GET /`: a landing page linking the console, the API reference and the health endpoints.
 * `GET /console`: the web console (src/console), `GET /console/{file}`: its built files. None
 * takes a token: the pages hold no data, the console calls the API with the user's credentials.
 */
export function registerConsoleRoutes(app: FastifyInstance): void {
  let assets: string | null = null;
  const assetsDirectory = () => {
    assets ??= findAssets();
    return assets;
  };

  app.get('/', { schema: { hide: true } }, async (_request, reply) => sendHtml(reply, LANDING));

  app.get('/console', { schema: { hide: true } }, async (_request, reply) =>
    sendHtml(reply, assetsDirectory() === null ? NOT_BUILT : CONSOLE),
  );

  app.get<{ Params: { file: string } }>(
    '/console/:file',
    { schema: { hide: true } },
    async (request, reply) => {
      // `/console/`, as a browser may be given it: the console itself.
      if (request.params.file === '') return reply.redirect('/console');
      const type = Object.hasOwn(ASSETS, request.params.file) ? ASSETS[request.params.file] : undefined;
      const directory = assetsDirectory();
      if (type === undefined || directory === null) throw new AppError('ROUTE_NOT_FOUND');
      const body = await readFile(join(directory, request.params.file));
      return reply
        .header('content-type', type)
        .header('content-security-policy', CONSOLE_CSP)
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'no-cache')
        .send(body);
    },
  );
}
