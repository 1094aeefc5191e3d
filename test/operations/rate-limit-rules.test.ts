import assert from 'node:assert/strict';
import {
  decideConcurrency,
  decideRate,
  LIMIT_PROFILES,
  resolveLimits,
  windowStart,
} from '../../src/domain/rate-limits.js';
import { describe, it } from '../helpers/node-test.js';

const noon = Date.UTC(2026, 10, 30, 12);

describe('limit profiles', () => {
  it("carries Zuora's per-minute quotas, Default concurrency 40 and 100 token calls a minute", () => {
    assert.equal(LIMIT_PROFILES.production.perMinute, 50_000);
    assert.equal(LIMIT_PROFILES['developer-sandbox'].perMinute, 12_500);
    assert.equal(LIMIT_PROFILES['api-sandbox'].perMinute, 2_500);
    for (const limits of Object.values(LIMIT_PROFILES)) {
      assert.equal(limits.concurrency, 40);
      assert.equal(limits.tokenPerMinute, 100);
      assert.equal(limits.perHour, limits.perMinute * 20);
      assert.equal(limits.perDay, limits.perMinute * 200);
    }
  });

  it('is off for no setting and for profile off, and lets a setting override any number', () => {
    assert.equal(resolveLimits(undefined), undefined);
    assert.equal(resolveLimits({ profile: 'off', perMinute: 5 }), undefined);
    assert.deepEqual(resolveLimits({ profile: 'api-sandbox', perMinute: 5, concurrency: 2 }), {
      perMinute: 5,
      perHour: 50_000,
      perDay: 500_000,
      concurrency: 2,
      tokenPerMinute: 100,
    });
  });
});

describe('rate decisions', () => {
  it('aligns windows on the epoch so every instance agrees', () => {
    assert.equal(windowStart(noon + 59_999, 'minute'), noon);
    assert.equal(windowStart(noon + 60_000, 'minute'), noon + 60_000);
    assert.equal(windowStart(noon + 1, 'day'), Date.UTC(2026, 10, 30));
  });

  it('allows up to the limit and reports the window with the fewest left', () => {
    const decision = decideRate(
      [
        { window: 'minute', limit: 10, count: 4 },
        { window: 'hour', limit: 100, count: 98 },
      ],
      noon + 15_000,
    );
    assert.deepEqual(decision, { allowed: true, headers: { limit: 100, remaining: 2, reset: 3585 } });
    assert.equal(decideRate([{ window: 'minute', limit: 3, count: 3 }], noon).allowed, true);
  });

  it('refuses past the limit, with Retry-After to the end of the exceeded window that ends last', () => {
    const decision = decideRate(
      [
        { window: 'minute', limit: 3, count: 4 },
        { window: 'hour', limit: 4, count: 5 },
        { window: 'day', limit: 100, count: 5 },
      ],
      noon + 30_000,
    );
    assert.deepEqual(decision, {
      allowed: false,
      headers: { limit: 4, remaining: 0, reset: 3570 },
      retryAfter: 3570,
      exceeded: 'hour',
    });
  });

  it('never tells a client to retry in 0 seconds', () => {
    const decision = decideRate([{ window: 'minute', limit: 1, count: 2 }], noon + 59_999);
    assert.equal(decision.retryAfter, 1);
  });
});

describe('concurrency decisions', () => {
  it('lets a request in while slots are free and says how many remain after it', () => {
    assert.deepEqual(decideConcurrency(40, 0), { allowed: true, remaining: 39 });
    assert.deepEqual(decideConcurrency(40, 39), { allowed: true, remaining: 0 });
    assert.deepEqual(decideConcurrency(40, 40), { allowed: false, remaining: 0 });
  });
});
