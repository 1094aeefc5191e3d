import type { ConnectionStatus } from './model.js';

export type ConnectionAction = 'accept' | 'deny' | 'disconnect';
export type ConnectionSide = 'source' | 'target';

/** What an action does to a connection: its next status, 'Removed' (deny), or null when not allowed. */
export type TransitionResult = ConnectionStatus | 'Removed' | null;

/**
 * The connection state machine (docs/CONTRACT.md §5) as a table. Deny removes a Pending request rather
 * than inventing a Denied status Zuora does not document; the source may then ask again.
 */
export const connectionTransitions: Readonly<
  Record<ConnectionStatus, Readonly<Record<ConnectionAction, TransitionResult>>>
> = {
  Pending: { accept: 'Connected', deny: 'Removed', disconnect: null },
  Connected: { accept: null, deny: null, disconnect: 'Disconnected' },
  Disconnected: { accept: null, deny: null, disconnect: null },
};

/** Which side's administrator, acting in that side, may take each action. */
export const actionSides: Readonly<Record<ConnectionAction, readonly ConnectionSide[]>> = {
  accept: ['target'],
  deny: ['target'],
  disconnect: ['source', 'target'],
};

export function transition(status: ConnectionStatus, action: ConnectionAction): TransitionResult {
  return connectionTransitions[status][action];
}
