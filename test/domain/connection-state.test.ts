import assert from 'node:assert/strict';
import {
  actionSides,
  type ConnectionAction,
  type ConnectionSide,
  connectionTransitions,
  type TransitionResult,
  transition,
} from '../../src/domain/connection-state.js';
import type { ConnectionStatus } from '../../src/domain/model.js';
import { describe, it } from '../helpers/node-test.js';

/** docs/CONTRACT.md §5, written out independently of the code under test: every status × every action. */
const expectedCells: { status: ConnectionStatus; action: ConnectionAction; result: TransitionResult }[] = [
  { status: 'Pending', action: 'accept', result: 'Connected' },
  { status: 'Pending', action: 'deny', result: 'Removed' },
  { status: 'Pending', action: 'disconnect', result: null },
  { status: 'Connected', action: 'accept', result: null },
  { status: 'Connected', action: 'deny', result: null },
  { status: 'Connected', action: 'disconnect', result: 'Disconnected' },
  { status: 'Disconnected', action: 'accept', result: null },
  { status: 'Disconnected', action: 'deny', result: null },
  { status: 'Disconnected', action: 'disconnect', result: null },
];

function describeResult(result: TransitionResult): string {
  if (result === null) return 'is not allowed';
  if (result === 'Removed') return 'removes the connection';
  return `makes it ${result}`;
}

describe('connection transitions', () => {
  for (const { status, action, result } of expectedCells) {
    it(`${action} on a ${status} connection ${describeResult(result)}`, () => {
      assert.equal(transition(status, action), result);
      assert.equal(connectionTransitions[status][action], result);
    });
  }

  it('has exactly the cells of every status and every action, no more', () => {
    const cells = Object.entries(connectionTransitions).flatMap(([status, row]) =>
      Object.keys(row).map((action) => `${status}/${action}`),
    );
    assert.deepEqual(cells.sort(), expectedCells.map((c) => `${c.status}/${c.action}`).sort());
  });

  it('never leads anywhere from Disconnected: it is final', () => {
    assert.deepEqual(Object.values(connectionTransitions.Disconnected), [null, null, null]);
  });
});

describe('which side may act', () => {
  const expectedSides: { action: ConnectionAction; side: ConnectionSide; allowed: boolean }[] = [
    { action: 'accept', side: 'target', allowed: true },
    { action: 'accept', side: 'source', allowed: false },
    { action: 'deny', side: 'target', allowed: true },
    { action: 'deny', side: 'source', allowed: false },
    { action: 'disconnect', side: 'source', allowed: true },
    { action: 'disconnect', side: 'target', allowed: true },
  ];
  for (const { action, side, allowed } of expectedSides) {
    it(`${allowed ? 'lets' : 'does not let'} an administrator of the ${side} ${action}`, () => {
      assert.equal(actionSides[action].includes(side), allowed);
    });
  }

  it('names a side list for every action and nothing else', () => {
    assert.deepEqual(Object.keys(actionSides).sort(), ['accept', 'deny', 'disconnect']);
  });
});
