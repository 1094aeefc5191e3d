import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  acceptEntityConnectionRoute,
  createEntityConnectionRoute,
  denyEntityConnectionRoute,
  disconnectEntityConnectionRoute,
  listEntityConnectionsRoute,
} from '../../contract/entity-connections.js';
import type { Services } from '../../services.js';
import { idempotentRoutes } from '../plugins/idempotency.js';
import { requireActor } from '../request-state.js';
import { connectionToWire } from './wire-mappers.js';

/** The URL of the next page: the same query with `page` one higher, on the host the client used. */
function nextPageUrl(
  request: FastifyRequest,
  page: number,
  pageSize: number,
  type: string | undefined,
): string {
  const url = new URL(request.url, `${request.protocol}://${request.host}`);
  url.searchParams.set('page', String(page + 1));
  url.searchParams.set('pageSize', String(pageSize));
  if (type) url.searchParams.set('type', type);
  return url.toString();
}

/** docs/CONTRACT.md §1 and §5: the five entity-connection operations. */
export function registerEntityConnectionRoutes(
  app: FastifyInstance,
  services: Pick<Services, 'connections' | 'idempotency'>,
): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const auth = { auth: true };
  const idempotent = idempotentRoutes(app, services);

  api.get('/v1/entity-connections', { schema: listEntityConnectionsRoute, config: auth }, async (request) => {
    const page = request.query.page ?? 1;
    const pageSize = request.query.pageSize ?? 30;
    const result = await services.connections.list(requireActor(request.actor), {
      type: request.query.type,
      page,
      pageSize,
    });
    return {
      entityConnections: result.connections.map(connectionToWire),
      ...(result.hasMore ? { nextPage: nextPageUrl(request, page, pageSize, request.query.type) } : {}),
      success: true,
    };
  });

  idempotent.post(
    '/v1/entity-connections',
    { schema: createEntityConnectionRoute, config: auth },
    async (request, tx) => {
      const connection = await services.connections.request(
        requireActor(request.actor),
        request.body.targetEntityId,
        tx,
      );
      return { id: connection.id, success: true };
    },
  );

  const transitions = [
    ['accept', acceptEntityConnectionRoute, services.connections.accept],
    ['deny', denyEntityConnectionRoute, services.connections.deny],
    ['disconnect', disconnectEntityConnectionRoute, services.connections.disconnect],
  ] as const;
  for (const [action, schema, run] of transitions) {
    api.put(`/v1/entity-connections/:connectionId/${action}`, { schema, config: auth }, async (request) => {
      await run(requireActor(request.actor), request.params.connectionId);
      return { success: true };
    });
  }
}
