import assert from 'node:assert/strict';
import { createAuthService } from '../../src/domain/auth-service.js';
import { systemClock } from '../../src/domain/clock.js';
import { loadFixture } from '../../src/domain/fixture-loader.js';
import { randomIds } from '../../src/domain/ids.js';
import { verifySecret } from '../../src/domain/secrets.js';
import { createTenantClock } from '../../src/domain/tenant-clock.js';
import { createTenantContexts, createTenantIds } from '../../src/domain/tenant-context.js';
import { testDatabases } from '../helpers/databases.js';
import { acmeFixture, clients } from '../helpers/fixtures.js';
import { describe, it } from '../helpers/node-test.js';

for (const database of testDatabases) {
  describe(`${database.name}: POST /oauth/token does the same work for unknown and known client ids`, {
    timeout: 30_000,
  }, () => {
    it('verifies a secret against a full salted hash for an unknown client id, as for a known one', async (t) => {
      const store = await database.openStore();
      t.after(() => store.close());
      const clock = createTenantClock(systemClock);
      await loadFixture(store, clock, acmeFixture());
      const calls: { secret: string; stored: string; matched: boolean }[] = [];
      const auth = createAuthService({
        store,
        clock,
        ids: createTenantIds(randomIds),
        contexts: createTenantContexts({ store, random: randomIds }),
        verifySecret: (secret, stored) => {
          const matched = verifySecret(secret, stored);
          calls.push({ secret, stored, matched });
          return matched;
        },
      });
      const attempt = (clientId: string) =>
        assert.rejects(
          auth.issueToken({
            client_id: clientId,
            client_secret: 'a-wrong-secret-of-some-length',
            grant_type: 'client_credentials',
          }),
          (error: { code?: string }) => error.code === 'INVALID_CLIENT',
        );

      await attempt('99999999-9999-4999-8999-999999999999');
      assert.equal(calls.length, 1, 'an unknown client id costs one verification');
      const [unknown] = calls;
      // A real salted SHA-256 hash, so verifySecret hashes as much as for a stored client.
      assert.match(unknown?.stored ?? '', /^sha256\$[0-9a-f]{32}\$[0-9a-f]{64}$/);
      assert.equal(unknown?.matched, false);

      await attempt(clients.globalAdmin.id);
      assert.equal(calls.length, 2, 'a known client id costs one verification');
      assert.match(calls[1]?.stored ?? '', /^sha256\$[0-9a-f]{32}\$[0-9a-f]{64}$/);
    });
  });
}
