import { useState } from 'preact/hooks';
import { type Connection, type Entity, newIdempotencyKey, type TenantSession, zuora } from '../api.js';
import { ActionResult, Empty, ErrorBox, Section, Table } from '../components.js';
import { Select } from '../forms.js';
import { useAction } from '../hooks.js';
import { ConnectionPicture } from './connection-picture.js';

/** The connections the token's entities see: the form that requests one, and each one's actions. */
export function Connections({
  session,
  acting,
  entities,
  connections,
  error,
  name,
  onChanged,
}: {
  session: TenantSession;
  acting: string;
  entities: Entity[];
  connections: Connection[];
  error: unknown;
  name: (id: string) => string;
  onChanged: () => void;
}) {
  const action = useAction(onChanged);
  const targets = entities.filter((e) => e.status === 'Provisioned' && e.id !== acting);
  const [target, setTarget] = useState('');
  const chosen = targets.some((t) => t.id === target) ? target : (targets[0]?.id ?? '');
  const scope = new Set(session.entityIds);
  const transition = (connection: Connection, verb: 'accept' | 'deny' | 'disconnect', as: string) =>
    action.run(
      `Connection ${name(connection.sourceEntityId)} → ${name(connection.targetEntityId)} ${VERBS[verb].done}.`,
      () => zuora(session, 'PUT', `/v1/entity-connections/${connection.id}/${verb}`, { entityId: as }),
    );
  return (
    <Section title="Connections" id="connections">
      <form
        class="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          void action.run(`Connection requested: ${name(acting)} → ${name(chosen)}.`, () =>
            zuora(session, 'POST', '/v1/entity-connections', {
              entityId: acting,
              body: { targetEntityId: chosen },
              idempotencyKey: newIdempotencyKey(),
            }),
          );
        }}
      >
        <p>
          From <strong>{name(acting)}</strong> (the entity you act in)
        </p>
        <label for="connection-target">Connect to</label>
        <Select
          id="connection-target"
          value={chosen}
          choices={targets.map((entity) => ({ value: entity.id, label: entity.name }))}
          onValue={setTarget}
        />
        <button type="submit" disabled={action.busy || chosen === ''}>
          Request connection
        </button>
      </form>
      <ActionResult action={action} />
      <ErrorBox error={error} />
      {connections.length === 0 ? (
        <Empty>
          No connections yet. Pick a target above and request one; an administrator of the target then accepts
          it.
        </Empty>
      ) : (
        <div class="connections">
          <Table columns={['From', 'To', 'Status', 'Actions']}>
            {connections.map((connection) => {
              const from = name(connection.sourceEntityId);
              const to = name(connection.targetEntityId);
              // Zuora's rules: the target accepts or denies, either side disconnects; the server decides.
              const side = scope.has(acting)
                ? [connection.sourceEntityId, connection.targetEntityId].includes(acting)
                  ? acting
                  : [connection.sourceEntityId, connection.targetEntityId].find((id) => scope.has(id))
                : undefined;
              return (
                <tr key={connection.id}>
                  <td>{from}</td>
                  <td>{to}</td>
                  <td>
                    <span class={`badge ${connection.status}`}>{connection.status}</span>
                  </td>
                  <td class="actions">
                    {connection.status === 'Pending' &&
                      scope.has(connection.targetEntityId) &&
                      (['accept', 'deny'] as const).map((verb) => (
                        <button
                          key={verb}
                          type="button"
                          aria-label={`${VERBS[verb].button} the connection from ${from} to ${to}, acting in ${to}`}
                          onClick={() => void transition(connection, verb, connection.targetEntityId)}
                        >
                          {VERBS[verb].button}
                        </button>
                      ))}
                    {connection.status === 'Pending' && !scope.has(connection.targetEntityId) && (
                      <span class="muted">waiting for {to}</span>
                    )}
                    {connection.status === 'Connected' && side !== undefined && (
                      <button
                        type="button"
                        aria-label={`Disconnect ${from} from ${to}, acting in ${name(side)}`}
                        onClick={() => void transition(connection, 'disconnect', side)}
                      >
                        Disconnect
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </Table>
          <ConnectionPicture entities={entities} connections={connections} name={name} />
        </div>
      )}
    </Section>
  );
}

/** Zuora's verbs for a connection's (and a user's access's) transitions: as a button, and as done. */
export const VERBS = {
  accept: { button: 'Accept', done: 'accepted' },
  deny: { button: 'Deny', done: 'denied' },
  disconnect: { button: 'Disconnect', done: 'disconnected' },
} as const;
