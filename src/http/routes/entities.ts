import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import {
  createEntityRoute,
  deleteEntityRoute,
  getEntityRoute,
  listEntitiesRoute,
  provisionEntityRoute,
  updateEntityRoute,
} from '../../contract/entities.js';
import type { Services } from '../../services.js';
import { idempotentRoutes } from '../plugins/idempotency.js';
import { requireActor } from '../request-state.js';
import { entityToWire } from './wire-mappers.js';

/** docs/CONTRACT.md §1 and §4: the six entity operations. */
export function registerEntityRoutes(
  app: FastifyInstance,
  services: Pick<Services, 'entities' | 'idempotency'>,
): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const auth = { auth: true };
  const idempotent = idempotentRoutes(app, services);

  idempotent.post('/v1/entities', { schema: createEntityRoute, config: auth }, async (request, tx) => {
    const entity = await services.entities.create(requireActor(request.actor), request.body, tx);
    return { ...entityToWire(entity), success: true };
  });

  api.get('/v1/entities', { schema: listEntitiesRoute, config: auth }, async (request) => {
    const provisioned = request.query.provisioned;
    const entities = await services.entities.list(requireActor(request.actor), {
      provisioned: provisioned === undefined ? undefined : provisioned === 'true',
    });
    return { entities: entities.map(entityToWire), success: true };
  });

  api.get('/v1/entities/:id', { schema: getEntityRoute, config: auth }, async (request) => {
    const entity = await services.entities.get(requireActor(request.actor), request.params.id);
    return { ...entityToWire(entity), success: true };
  });

  api.put('/v1/entities/:id', { schema: updateEntityRoute, config: auth }, async (request) => {
    await services.entities.update(requireActor(request.actor), request.params.id, request.body);
    return { success: true };
  });

  api.delete('/v1/entities/:id', { schema: deleteEntityRoute, config: auth }, async (request) => {
    await services.entities.remove(requireActor(request.actor), request.params.id);
    return { success: true };
  });

  api.put('/v1/entities/:id/provision', { schema: provisionEntityRoute, config: auth }, async (request) => {
    await services.entities.provision(requireActor(request.actor), request.params.id);
    return { success: true };
  });
}
