import assert from 'node:assert/strict';
import { hashSecret, hashToken, verifySecret } from '../../src/domain/secrets.js';
import { describe, it } from '../helpers/node-test.js';

describe('client secrets', () => {
  it('verifies the secret that was hashed', () => {
    assert.equal(verifySecret('s3cret-value', hashSecret('s3cret-value')), true);
  });
  it('refuses a wrong secret, a prefix of it and the empty string', () => {
    const stored = hashSecret('s3cret-value');
    assert.equal(verifySecret('s3cret-valuE', stored), false);
    assert.equal(verifySecret('s3cret', stored), false);
    assert.equal(verifySecret('', stored), false);
  });
  it('uses a new salt for every hash, so equal secrets hash differently', () => {
    const a = hashSecret('same');
    const b = hashSecret('same');
    assert.notEqual(a, b);
    assert.notEqual(a.split('$')[1], b.split('$')[1]);
    assert.equal(verifySecret('same', a), true);
    assert.equal(verifySecret('same', b), true);
  });
  it('does not store the secret itself', () => {
    const stored = hashSecret('visible-secret-text');
    assert.ok(!stored.includes('visible-secret-text'));
    assert.match(stored, /^sha256\$[0-9a-f]{32}\$[0-9a-f]{64}$/);
  });
  it('refuses stored values of another scheme or shape instead of throwing', () => {
    for (const stored of ['', 'plain', 'md5$aa$bb', 'sha256$salt', 'sha256$salt$zz']) {
      assert.equal(verifySecret('x', stored), false, stored);
    }
  });
});

describe('token hashes', () => {
  it('are the same for the same token and differ for another', () => {
    assert.equal(hashToken('abc'), hashToken('abc'));
    assert.notEqual(hashToken('abc'), hashToken('abd'));
    assert.match(hashToken('abc'), /^[0-9a-f]{64}$/);
  });
});
