// Run by test/testing/vitest.test.ts in a vitest child process, against the built package
// (`multientity/testing`, the self-reference of this package's exports), as a user's suite would.

import { startMultientity } from 'multientity/testing';
import { NotFoundError } from 'multientity-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('multientity/testing in vitest', () => {
  let me: Awaited<ReturnType<typeof startMultientity>>;
  beforeAll(async () => {
    me = await startMultientity();
  });
  afterAll(() => me?.stop());

  it('gives each test a tenant and a ready client', async () => {
    const tenant = await me.tenant({
      entities: [
        {
          name: 'Global',
          locale: 'en_US',
          timezone: 'GMT',
          children: [{ name: 'US', locale: 'en_US', timezone: 'GMT' }],
        },
      ],
    });
    const { id } = await tenant.client.entityConnections.create({
      targetEntityId: tenant.entities.US as string,
    });
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    await expect(tenant.client.entities.get('0'.repeat(32))).rejects.toBeInstanceOf(NotFoundError);
  });
});
