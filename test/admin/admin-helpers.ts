import type { TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { appPerSuite, type BuildOptions, build, type SuiteApp, type TestApp } from '../helpers/build.js';
import { callerWithToken } from '../helpers/http.js';

export const OPERATOR_TOKEN = 'test-operator-token-0123456789';

/** The whole app with the admin API open to OPERATOR_TOKEN. */
/** With no test context the caller closes the app and the store. */
export function buildAdmin(t: TestContext | undefined, options: BuildOptions = {}): Promise<TestApp> {
  return build(t, { ...options, env: { ...options.env, MULTIENTITY_OPERATOR_TOKEN: OPERATOR_TOKEN } });
}

/** appPerSuite with the admin API open to OPERATOR_TOKEN: a tenant per test, made by the test. */
export function adminPerSuite(options: Omit<BuildOptions, 'fixture' | 'env'> = {}): SuiteApp {
  return appPerSuite({ ...options, env: { MULTIENTITY_OPERATOR_TOKEN: OPERATOR_TOKEN } });
}

/** An admin API call with the operator token. */
export function admin(
  app: FastifyInstance,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  body?: unknown,
) {
  return app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
    ...(body === undefined ? {} : { payload: body as object }),
  });
}

/** One tenant in the fixture format, with no ids: the server makes them. */
export function shopTenant(name = 'Shop') {
  return {
    name,
    entities: [
      {
        name: 'Global',
        locale: 'en_US',
        timezone: 'GMT',
        children: [
          { name: 'Shop-US', locale: 'en_US', timezone: 'America/New_York' },
          { name: 'Shop-EU', locale: 'de_DE', timezone: 'Europe/Berlin' },
        ],
      },
    ],
    users: [
      {
        username: 'admin@shop.test',
        homeEntity: 'Global',
        access: { Global: 'Administrator', 'Shop-US': 'Administrator', 'Shop-EU': 'Administrator' },
        clients: [{ entities: ['Global', 'Shop-US', 'Shop-EU'] }],
      },
    ],
  };
}

export interface CreatedTenant {
  id: string;
  globalEntityId: string;
  entities: Record<string, string>;
  users: Record<string, string>;
  clients: { clientId: string; clientSecret: string; username: string; entityIds: string[] }[];
}

export async function createTenant(
  app: FastifyInstance,
  body: unknown = shopTenant(),
): Promise<CreatedTenant> {
  const response = await admin(app, 'POST', '/admin/v1/tenants', body);
  if (response.statusCode !== 201)
    throw new Error(`tenant not created: ${response.statusCode} ${response.body}`);
  return response.json();
}

/** Calls the Zuora API with a bearer token, acting in one entity. */
export function zuora(app: FastifyInstance, token: string, entityId: string) {
  const caller = callerWithToken(app, token, entityId);
  return {
    connect: (targetEntityId: string, idempotencyKey?: string) =>
      caller.post(
        '/v1/entity-connections',
        { targetEntityId },
        idempotencyKey ? { 'idempotency-key': idempotencyKey } : {},
      ),
    list: () => caller.get('/v1/entity-connections'),
    act: (connectionId: string, action: 'accept' | 'deny' | 'disconnect') =>
      caller.put(`/v1/entity-connections/${connectionId}/${action}`),
  };
}

/** The Zuora reason code's category: its last two digits. */
export function category(response: { json(): unknown }): number {
  const body = response.json() as { success: boolean; reasons: { code: number }[] };
  return (body.reasons[0]?.code ?? 0) % 100;
}
