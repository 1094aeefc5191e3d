import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { NotFoundError } from 'multientity-client';
import { startMultientity } from '../../src/testing/index.js';
import { shopClient, shopFixture, shopGlobal } from './kit-fixture.js';

describe('multientity/testing in node:test', { timeout: 30_000 }, () => {
  it('starts the server with a fixture, binds a client to it, and stops', async () => {
    const signalListeners = process.listenerCount('SIGTERM');
    const me = await startMultientity({ fixture: shopFixture });
    const client = me.client(shopClient).inEntity(shopGlobal);
    const { entities } = await client.entities.list();
    assert.deepEqual(entities.map((e) => e.name).sort(), ['Global', 'Shop-US']);
    assert.equal(
      process.listenerCount('SIGTERM'),
      signalListeners,
      'the kit leaves signals to the test runner',
    );
    await me.stop();
    await assert.rejects(fetch(`${me.url}/health`));
  });

  it('loads a fixture file by path, as --fixture does', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'kit-test-'));
    try {
      const file = join(folder, 'fixture.json');
      await writeFile(file, JSON.stringify(shopFixture));
      await using me = await startMultientity({ fixture: file });
      assert.equal(
        (await me.client(shopClient).inEntity(shopGlobal).entities.get(shopGlobal)).name,
        'Global',
      );
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('makes a tenant per test with a ready client, and resets it, moves its clock, faults and journals it', async () => {
    await using me = await startMultientity();
    const tenant = await me.tenant({
      entities: [
        {
          name: 'Global',
          locale: 'en_US',
          timezone: 'GMT',
          children: [{ name: 'EU', locale: 'en_GB', timezone: 'Europe/London' }],
        },
      ],
    });
    assert.match(tenant.id, /^\d+$/);
    const eu = tenant.entities.EU as string;
    const { id } = await tenant.client.entityConnections.create({ targetEntityId: eu });
    assert.equal((await tenant.client.entityConnections.list().toArray())[0]?.id, id);

    await tenant.reset();
    assert.deepEqual(await tenant.client.entityConnections.list().toArray(), []);

    const clock = await tenant.setClock({ time: '2031-05-01T00:00:00.000Z', frozen: true });
    assert.equal(clock.time, '2031-05-01T00:00:00.000Z');
    await tenant.resetClock();

    await tenant.addFault({ path: '/v1/entities/*', fault: '503', times: 1 });
    assert.equal((await tenant.client.entities.get(eu)).name, 'EU');
    const [last, failed] = await tenant.journal({ path: '/v1/entities/*' });
    assert.deepEqual([failed?.status, last?.status], [503, 200]);
    assert.equal(await tenant.clearFaults(), 1);

    await tenant.delete();
    await assert.rejects(me.admin.tenants.get(tenant.id), NotFoundError);
  });
});
