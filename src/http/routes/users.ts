import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import {
  acceptUserAccessRoute,
  accessibleEntitiesRoute,
  denyUserAccessRoute,
  requestUserAccessRoute,
} from '../../contract/users.js';
import type { Services } from '../../services.js';
import { requireActor } from '../request-state.js';
import { entityToWire } from './wire-mappers.js';

/** docs/CONTRACT.md §1 and §6: the four user-access operations. */
export function registerUserRoutes(app: FastifyInstance, services: Pick<Services, 'userAccess'>): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const auth = { auth: true };

  api.get(
    '/v1/users/:username/accessible-entities',
    { schema: accessibleEntitiesRoute, config: auth },
    async (request) => {
      const entities = await services.userAccess.accessibleEntities(
        requireActor(request.actor),
        request.params.username,
      );
      return { entities: entities.map(entityToWire), success: true };
    },
  );

  api.put(
    '/v1/users/:username/request-access',
    { schema: requestUserAccessRoute, config: auth },
    async (request) => {
      await services.userAccess.request(
        requireActor(request.actor),
        request.params.username,
        request.body.targetEntityIds,
      );
      return { success: true };
    },
  );

  api.put(
    '/v1/users/:username/accept-access',
    { schema: acceptUserAccessRoute, config: auth },
    async (request) => {
      await services.userAccess.accept(requireActor(request.actor), request.params.username);
      return { success: true };
    },
  );

  api.put(
    '/v1/users/:username/deny-access',
    { schema: denyUserAccessRoute, config: auth },
    async (request) => {
      await services.userAccess.deny(requireActor(request.actor), request.params.username);
      return { success: true };
    },
  );
}
