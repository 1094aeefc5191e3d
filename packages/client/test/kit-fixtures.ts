import type { TenantFixture } from '../../../src/testing/index.js';

/**
 * A tenant with a global entity, five provisioned sub-entities and one unprovisioned: an
 * administrator of all (the kit's default user and client) and a standard user with a client of
 * its own.
 */
export function acme(name = 'Acme'): TenantFixture {
  const child = (n: string, status: 'Provisioned' | 'Unprovisioned' = 'Provisioned') => ({
    name: n,
    locale: 'en_US',
    timezone: 'America/Los_Angeles',
    status,
  });
  const names = ['US', 'UK', 'DE', 'FR', 'JP'];
  return {
    name,
    entities: [
      {
        name: 'Global',
        locale: 'en_US',
        timezone: 'GMT',
        children: [...names.map((n) => child(n)), child('Lab', 'Unprovisioned')],
      },
    ],
    users: [
      {
        username: 'admin@acme.test',
        homeEntity: 'Global',
        access: Object.fromEntries(['Global', ...names, 'Lab'].map((n) => [n, 'Administrator' as const])),
        clients: [{ entities: ['Global', ...names] }],
      },
      {
        username: 'clerk@acme.test',
        homeEntity: 'Global',
        access: { Global: 'Standard User', US: 'Standard User' },
        clients: [{ entities: ['Global', 'US'] }],
      },
    ],
  };
}
