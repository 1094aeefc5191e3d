import type { IdGenerator } from './ids.js';

/** The demo setup a first start on an empty database creates, so that the curl examples work at once. */
export function demoFixture(ids: IdGenerator) {
  const clientId = ids.uuid();
  const clientSecret = ids.secret(40);
  const fixture = {
    tenants: [
      {
        name: 'Demo',
        apiVersion: '2024-05-20',
        entities: [
          {
            name: 'Global',
            displayName: 'Demo Inc.',
            locale: 'en_US',
            timezone: 'GMT',
            children: [
              { name: 'Demo-US', locale: 'en_US', timezone: 'America/New_York' },
              { name: 'Demo-EU', locale: 'de_DE', timezone: 'Europe/Berlin' },
              { name: 'Demo-APAC', locale: 'en_AU', timezone: 'Australia/Sydney' },
            ],
          },
        ],
        users: [
          {
            username: 'admin@demo.test',
            homeEntity: 'Global',
            access: {
              Global: 'Administrator',
              'Demo-US': 'Administrator',
              'Demo-EU': 'Administrator',
              'Demo-APAC': 'Administrator',
            },
            clients: [{ clientId, clientSecret, entities: ['Global', 'Demo-US', 'Demo-EU', 'Demo-APAC'] }],
          },
        ],
        connections: [],
      },
    ],
  };
  return { fixture, clientId, clientSecret };
}
