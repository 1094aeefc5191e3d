import assert from 'node:assert/strict';
import { accessibleEntityIds, canAccess, isAdmin, userAccess } from '../../src/domain/access.js';
import type { Membership, MembershipStatus, Role, User } from '../../src/domain/model.js';
import { describe, it } from '../helpers/node-test.js';

const home = 'a'.repeat(32);
const other = 'b'.repeat(32);
const third = 'c'.repeat(32);

function user(status: User['status'] = 'Active'): User {
  return {
    id: 'u'.repeat(32),
    tenantId: '1',
    username: 'u@x.test',
    homeEntityId: home,
    status,
    createdAt: 0,
  };
}
function membership(entityId: string, role: Role, status: MembershipStatus): Membership {
  return { userId: 'u'.repeat(32), entityId, role, status, updatedAt: 0 };
}

describe('canAccess', () => {
  it('lets an active user access the home entity even without a membership', () => {
    assert.equal(canAccess(userAccess(user(), []), home), true);
  });
  it('lets an active user access an entity with an Active membership of either role', () => {
    for (const role of ['Administrator', 'Standard User'] as const) {
      assert.equal(canAccess(userAccess(user(), [membership(other, role, 'Active')]), other), true, role);
    }
  });
  for (const status of ['Pending Review', 'Access Denied'] as const) {
    it(`refuses an entity where the membership is ${status}`, () => {
      assert.equal(canAccess(userAccess(user(), [membership(other, 'Administrator', status)]), other), false);
    });
  }
  it('refuses an entity with no membership', () => {
    assert.equal(canAccess(userAccess(user(), [membership(other, 'Administrator', 'Active')]), third), false);
  });
  it('refuses everything, the home entity too, to an inactive user', () => {
    const access = userAccess(user('Inactive'), [membership(other, 'Administrator', 'Active')]);
    assert.equal(canAccess(access, home), false);
    assert.equal(canAccess(access, other), false);
  });
});

describe('isAdmin', () => {
  it('is true for an Active Administrator membership', () => {
    assert.equal(isAdmin(userAccess(user(), [membership(other, 'Administrator', 'Active')]), other), true);
  });
  it('is false for an Active Standard User', () => {
    assert.equal(isAdmin(userAccess(user(), [membership(other, 'Standard User', 'Active')]), other), false);
  });
  for (const status of ['Pending Review', 'Access Denied'] as const) {
    it(`is false for an Administrator membership that is ${status}`, () => {
      assert.equal(isAdmin(userAccess(user(), [membership(other, 'Administrator', status)]), other), false);
    });
  }
  it('is false in the home entity when no Administrator membership says so', () => {
    assert.equal(isAdmin(userAccess(user(), []), home), false);
  });
  it('is false for an inactive user, whatever the membership', () => {
    assert.equal(
      isAdmin(userAccess(user('Inactive'), [membership(other, 'Administrator', 'Active')]), other),
      false,
    );
  });
});

describe('accessibleEntityIds', () => {
  it('lists the home entity first, then each Active membership once', () => {
    const access = userAccess(user(), [
      membership(third, 'Standard User', 'Active'),
      membership(home, 'Administrator', 'Active'),
      membership(other, 'Administrator', 'Pending Review'),
    ]);
    assert.deepEqual(accessibleEntityIds(access), [home, third]);
  });
  it('lists nothing for an inactive user, agreeing with canAccess', () => {
    const access = userAccess(user('Inactive'), [membership(other, 'Administrator', 'Active')]);
    assert.deepEqual(accessibleEntityIds(access), []);
    for (const id of [home, other]) assert.equal(canAccess(access, id), false);
  });
  it('lists only the home entity for a user without memberships', () => {
    assert.deepEqual(accessibleEntityIds(userAccess(user(), [])), [home]);
  });
});
