import type { Fixture } from 'multientity-client';

/** A fixture file's content: one tenant with fixed ids and a client the test knows the secret of. */
export const shopFixture: Fixture = {
  tenants: [
    {
      id: '4242',
      name: 'Shop',
      entities: [
        {
          id: '8a808255557baba1015580e12fa5083a',
          name: 'Global',
          locale: 'en_US',
          timezone: 'GMT',
          children: [{ name: 'Shop-US', locale: 'en_US', timezone: 'America/Los_Angeles', children: [] }],
        },
      ],
      users: [
        {
          username: 'admin@shop.test',
          homeEntity: 'Global',
          access: { Global: 'Administrator', 'Shop-US': 'Administrator' },
          clients: [
            {
              clientId: '0c1d6f5e-6f0e-4d9b-9a4e-8f7b2a1c3d4e',
              clientSecret: 'kit-test-secret-0123',
              entities: ['Global', 'Shop-US'],
            },
          ],
        },
      ],
    },
  ],
};

export const shopClient = {
  clientId: '0c1d6f5e-6f0e-4d9b-9a4e-8f7b2a1c3d4e',
  clientSecret: 'kit-test-secret-0123',
};
export const shopGlobal = '8a808255557baba1015580e12fa5083a';
