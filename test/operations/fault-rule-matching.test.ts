import assert from 'node:assert/strict';
import {
  type FaultRule,
  firesAt,
  pathMatches,
  ruleMatches,
  seededChance,
} from '../../src/domain/fault-rules.js';
import { describe, it } from '../helpers/node-test.js';

const rule = (patch: Partial<FaultRule>): FaultRule => ({
  id: 'r1',
  tenantId: '6398',
  method: null,
  path: '/v1/entity-connections',
  trackId: null,
  fault: '503',
  latencyMs: 0,
  retryAfter: null,
  remaining: null,
  rate: null,
  seed: 1,
  matched: 0,
  createdAt: 0,
  ...patch,
});

const target = {
  method: 'GET',
  path: '/v1/entity-connections',
  routeUrl: '/v1/entity-connections',
  trackId: undefined,
};

describe('fault rule paths', () => {
  it('matches an exact path or the route template, nothing else', () => {
    assert.equal(pathMatches('/v1/entity-connections', '/v1/entity-connections'), true);
    assert.equal(pathMatches('/v1/entity-connections', '/v1/entity-connections/x/accept'), false);
    assert.equal(
      pathMatches(
        '/v1/entity-connections/:connectionId/accept',
        '/v1/entity-connections/abc/accept',
        '/v1/entity-connections/:connectionId/accept',
      ),
      true,
    );
  });

  it('lets * stand for characters within a segment and ** across segments', () => {
    assert.equal(pathMatches('/v1/entity-*', '/v1/entity-connections'), true);
    assert.equal(pathMatches('/v1/*/accept', '/v1/entity-connections/accept'), true);
    assert.equal(pathMatches('/v1/*', '/v1/entity-connections/abc'), false);
    assert.equal(pathMatches('/v1/**', '/v1/entity-connections/abc/accept'), true);
    assert.equal(pathMatches('/v1/entity.connections*', '/v1/entityXconnections'), false);
  });
});

describe('fault rule matching', () => {
  it('matches on method and track id when the rule names them', () => {
    assert.equal(ruleMatches(rule({ method: 'GET' }), target), true);
    assert.equal(ruleMatches(rule({ method: 'POST' }), target), false);
    assert.equal(ruleMatches(rule({ trackId: 't1' }), target), false);
    assert.equal(ruleMatches(rule({ trackId: 't1' }), { ...target, trackId: 't1' }), true);
  });

  it('no longer matches once its firings are used up', () => {
    assert.equal(ruleMatches(rule({ remaining: 1 }), target), true);
    assert.equal(ruleMatches(rule({ remaining: 0 }), target), false);
  });
});

describe('seeded chance', () => {
  it('gives the same draw for the same seed and match number, another for another seed', () => {
    assert.equal(seededChance(42, 7), seededChance(42, 7));
    const a = Array.from({ length: 20 }, (_, i) => seededChance(42, i));
    const b = Array.from({ length: 20 }, (_, i) => seededChance(43, i));
    assert.notDeepEqual(a, b);
    for (const x of a) assert.ok(x >= 0 && x < 1);
  });

  it('fires at about the rate over many requests, always at 1 and never at 0', () => {
    const fired = Array.from({ length: 10_000 }, (_, i) => firesAt(0.25, 7, i + 1)).filter(Boolean).length;
    assert.ok(fired > 2300 && fired < 2700, `fired ${fired} of 10000 at 0.25`);
    assert.equal(firesAt(1, 7, 3), true);
    assert.equal(firesAt(0, 7, 3), false);
    assert.equal(firesAt(null, 7, 3), true);
  });
});
