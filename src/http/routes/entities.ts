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
import type { Entity } from '../../domain/model.js';
import type { Services } from '../../services.js';
import { requireActor } from '../request-state.js';

/** Exactly Zuora's eight fields, in Zuora's order (REFERENCE.md §1). */
const toWire = (e: Entity) => ({
  id: e.id,
  name: e.name,
  displayName: e.displayName,
  locale: e.locale,
  timezone: e.timezone,
  status: e.status,
  parentId: e.parentId,
  tenantId: e.tenantId,
});

/** REFERENCE.md §1 and §4: the six entity operations. */
export function registerEntityRoutes(app: FastifyInstance, services: Pick<Services, 'entities'>): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const auth = { auth: true };

  api.post(
    '/v1/entities',
    { schema: createEntityRoute, config: { ...auth, idempotent: true } },
    async (request) => {
      const entity = await services.entities.create(requireActor(request.actor), request.body);
      return { ...toWire(entity), success: true };
    },
  );

  api.get('/v1/entities', { schema: listEntitiesRoute, config: auth }, async (request) => {
    const provisioned = request.query.provisioned;
    const entities = await services.entities.list(requireActor(request.actor), {
      provisioned: provisioned === undefined ? undefined : provisioned === 'true',
    });
    return { entities: entities.map(toWire), success: true };
  });

  api.get('/v1/entities/:id', { schema: getEntityRoute, config: auth }, async (request) => {
    const entity = await services.entities.get(requireActor(request.actor), request.params.id);
    return { ...toWire(entity), success: true };
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
