import { useRef, useState } from 'preact/hooks';
import {
  type AdminUser,
  admin,
  type Connection,
  type Entity,
  newIdempotencyKey,
  type TenantSession,
  zuora,
} from './api.js';
import { ActionResult, Empty, ErrorBox, Section, useAction, useInterval, useLoad } from './components.js';
import { RefreshControls } from './operator-view.js';

interface Props {
  session: TenantSession;
  operatorToken: string | null;
  onSignOut: () => void;
}

export function TenantView({ session, operatorToken, onSignOut }: Props) {
  const [acting, setActing] = useState(session.entityIds[0] ?? '');
  const [selected, setSelected] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const [auto, setAuto] = useState(false);
  const refresh = () => setTick((n) => n + 1);
  useInterval(auto, 3000, refresh);

  const entities = useLoad(
    () =>
      zuora<{ entities: Entity[] }>(session, 'GET', '/v1/entities', { entityId: acting }).then(
        (r) => r.entities,
      ),
    [session.accessToken, acting, tick],
  );
  // A connection is visible only to the two entities it joins: each entity of the token is asked.
  const connections = useLoad(async () => {
    const byId = new Map<string, Connection>();
    for (const entityId of session.entityIds) {
      const page = await zuora<{ entityConnections: Connection[] }>(
        session,
        'GET',
        '/v1/entity-connections?pageSize=300',
        { entityId },
      );
      for (const connection of page.entityConnections) byId.set(connection.id, connection);
    }
    return [...byId.values()];
  }, [session.accessToken, tick]);
  const users = useLoad(
    () =>
      operatorToken === null
        ? Promise.resolve(null)
        : admin<{ users: AdminUser[] }>(operatorToken, 'GET', `/tenants/${session.tenantId}/users`).then(
            (r) => r.users,
          ),
    [operatorToken, session.tenantId, tick],
  );

  // The global entity first, then the order the API answers (the hierarchy's creation order).
  const list = [...(entities.data ?? [])].sort(
    (a, b) => Number(a.parentId !== null) - Number(b.parentId !== null),
  );
  const byId = new Map(list.map((entity) => [entity.id, entity]));
  const name = (id: string) => byId.get(id)?.name ?? id;
  const expired = session.expiresAt <= Date.now();
  const selectedEntity = selected === null ? undefined : byId.get(selected);

  return (
    <>
      <div class="view-head">
        <h1>Tenant {session.tenantId}</h1>
        <RefreshControls auto={auto} setAuto={setAuto} refresh={refresh} />
      </div>
      <div class="session-bar">
        <p>
          Signed in as <strong>{session.username ?? `user ${session.userId}`}</strong>{' '}
          <span class="muted">
            ({session.via === 'operator' ? 'picked by the operator' : 'with a client'}: {session.clientId})
          </span>
        </p>
        <label for="acting-entity">Act in (Zuora-Entity-Ids)</label>
        <select id="acting-entity" value={acting} onChange={(e) => setActing(e.currentTarget.value)}>
          {session.entityIds.map((id) => (
            <option key={id} value={id}>
              {name(id)}
            </option>
          ))}
        </select>
      </div>
      {expired && (
        <div class="error" role="alert">
          <p>
            This token has expired (tokens last an hour, by the tenant's clock).{' '}
            <button type="button" onClick={onSignOut}>
              Sign in again
            </button>
          </p>
        </div>
      )}
      <div class="columns">
        <Section title="Entity hierarchy" id="entities">
          <ErrorBox error={entities.error} />
          {list.length === 0 && !entities.loading ? (
            <Empty>No entities visible. Sign in with a client of a user who can access an entity.</Empty>
          ) : (
            <EntityTree
              entities={list}
              selected={selected}
              onSelect={setSelected}
              scope={session.entityIds}
            />
          )}
        </Section>
        <Section title={selectedEntity ? `Entity ${selectedEntity.name}` : 'Entity'} id="entity-detail">
          {selectedEntity ? (
            <EntityDetail
              entity={selectedEntity}
              parentName={selectedEntity.parentId ? name(selectedEntity.parentId) : null}
              inScope={session.entityIds.includes(selectedEntity.id)}
              acting={acting === selectedEntity.id}
              onAct={() => setActing(selectedEntity.id)}
              users={users.data ?? null}
            />
          ) : (
            <Empty>Pick an entity in the hierarchy to see its details and who can access it.</Empty>
          )}
        </Section>
      </div>
      <Connections
        session={session}
        acting={acting}
        entities={list}
        connections={connections.data ?? []}
        error={connections.error}
        name={name}
        onChanged={refresh}
      />
      <UserAccess session={session} acting={acting} entities={list} name={name} onChanged={refresh} />
    </>
  );
}

function EntityTree({
  entities,
  selected,
  onSelect,
  scope,
}: {
  entities: Entity[];
  selected: string | null;
  onSelect: (id: string) => void;
  scope: string[];
}) {
  const container = useRef<HTMLDivElement>(null);
  const children = new Map<string | null, Entity[]>();
  for (const entity of entities) {
    const siblings = children.get(entity.parentId) ?? [];
    siblings.push(entity);
    children.set(entity.parentId, siblings);
  }
  // Up and Down walk the tree in reading order, Home and End jump to its ends.
  const onKeyDown = (event: KeyboardEvent) => {
    const nodes = [...(container.current?.querySelectorAll<HTMLButtonElement>('button.node') ?? [])];
    const at = nodes.indexOf(document.activeElement as HTMLButtonElement);
    const to = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: nodes.length - 1 }[event.key];
    if (to === undefined || at === -1) return;
    event.preventDefault();
    nodes[Math.max(0, Math.min(nodes.length - 1, to))]?.focus();
  };
  const branch = (parentId: string | null) => {
    // Siblings by name, as a reader looks for them.
    const nodes = [...(children.get(parentId) ?? [])].sort((a, b) => a.name.localeCompare(b.name));
    if (nodes.length === 0) return null;
    return (
      <ul>
        {nodes.map((entity) => (
          <li key={entity.id}>
            <button
              type="button"
              class="node"
              aria-pressed={entity.id === selected}
              onClick={() => onSelect(entity.id)}
            >
              <span class="node-name">{entity.name}</span>
              {entity.displayName !== entity.name && <span class="muted"> ({entity.displayName})</span>}{' '}
              <span class={`badge ${entity.status}`}>{entity.status}</span>{' '}
              <span class="muted">
                {entity.locale} · {entity.timezone}
              </span>
              {scope.includes(entity.id) && <span class="badge scope">in token</span>}
            </button>
            {branch(entity.id)}
          </li>
        ))}
      </ul>
    );
  };
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: the buttons inside take the focus; the keys move it
    <div class="tree" ref={container} onKeyDown={onKeyDown}>
      <p class="hint" id="tree-hint">
        Up and Down arrows move between entities.
      </p>
      {branch(null)}
    </div>
  );
}

function EntityDetail({
  entity,
  parentName,
  inScope,
  acting,
  onAct,
  users,
}: {
  entity: Entity;
  parentName: string | null;
  inScope: boolean;
  acting: boolean;
  onAct: () => void;
  users: AdminUser[] | null;
}) {
  const withAccess = (users ?? []).filter(
    (u) => u.access[entity.id] !== undefined || u.homeEntityId === entity.id,
  );
  return (
    <>
      <dl class="facts">
        <dt>Id</dt>
        <dd>
          <code>{entity.id}</code>
        </dd>
        <dt>Display name</dt>
        <dd>{entity.displayName}</dd>
        <dt>Status</dt>
        <dd>{entity.status}</dd>
        <dt>Locale</dt>
        <dd>{entity.locale}</dd>
        <dt>Time zone</dt>
        <dd>{entity.timezone}</dd>
        <dt>Parent</dt>
        <dd>{parentName ?? 'none: the global entity'}</dd>
      </dl>
      {inScope ? (
        <button type="button" disabled={acting} onClick={onAct}>
          {acting ? 'Acting in this entity' : 'Act in this entity'}
        </button>
      ) : (
        <p class="hint">Your token cannot act in this entity.</p>
      )}
      <h3>Users with access</h3>
      {users === null ? (
        <p class="hint">
          Zuora's API lists no users of an entity: look a user up under User access below, or sign in as
          operator too to see them all here.
        </p>
      ) : withAccess.length === 0 ? (
        <Empty>Nobody has Active access here yet. Request access for a user below.</Empty>
      ) : (
        <ul>
          {withAccess.map((user) => (
            <li key={user.id}>
              {user.username}: {user.access[entity.id] ?? 'home entity'}
              {user.homeEntityId === entity.id ? ' (home)' : ''}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function Connections({
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
      `Connection ${name(connection.sourceEntityId)} → ${name(connection.targetEntityId)} ${PAST[verb]}.`,
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
        <select id="connection-target" value={chosen} onChange={(e) => setTarget(e.currentTarget.value)}>
          {targets.map((entity) => (
            <option key={entity.id} value={entity.id}>
              {entity.name}
            </option>
          ))}
        </select>
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
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">From</th>
                  <th scope="col">To</th>
                  <th scope="col">Status</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
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
                        {connection.status === 'Pending' && scope.has(connection.targetEntityId) && (
                          <>
                            <button
                              type="button"
                              aria-label={`Accept the connection from ${from} to ${to}, acting in ${to}`}
                              onClick={() => void transition(connection, 'accept', connection.targetEntityId)}
                            >
                              Accept
                            </button>
                            <button
                              type="button"
                              aria-label={`Deny the connection from ${from} to ${to}, acting in ${to}`}
                              onClick={() => void transition(connection, 'deny', connection.targetEntityId)}
                            >
                              Deny
                            </button>
                          </>
                        )}
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
              </tbody>
            </table>
          </div>
          <ConnectionPicture entities={entities} connections={connections} name={name} />
        </div>
      )}
    </Section>
  );
}

const PAST = { accept: 'accepted', deny: 'denied', disconnect: 'disconnected' } as const;

/** Who is connected to whom: the entities on a circle, an arrow from source to target per connection. */
function ConnectionPicture({
  entities,
  connections,
  name,
}: {
  entities: Entity[];
  connections: Connection[];
  name: (id: string) => string;
}) {
  const shown = entities.filter((e) => e.status === 'Provisioned');
  const width = 520;
  const height = 340;
  const radius = Math.min(width, height) / 2 - 50;
  const at = new Map(
    shown.map((entity, i) => {
      const angle = (2 * Math.PI * i) / Math.max(1, shown.length) - Math.PI / 2;
      return [
        entity.id,
        { x: width / 2 + radius * Math.cos(angle), y: height / 2 + radius * Math.sin(angle) },
      ];
    }),
  );
  const summary = connections
    .map((c) => `${name(c.sourceEntityId)} to ${name(c.targetEntityId)}: ${c.status}`)
    .join('; ');
  return (
    <figure class="picture">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`Connections: ${summary}`}>
        <defs>
          {['Connected', 'Pending', 'Disconnected'].map((status) => (
            <marker
              key={status}
              id={`arrow-${status}`}
              viewBox="0 0 10 10"
              refX="10"
              refY="5"
              markerWidth="7"
              markerHeight="7"
              orient="auto-start-reverse"
            >
              <path d="M 0 0 L 10 5 L 0 10 z" class={`arrow ${status}`} />
            </marker>
          ))}
        </defs>
        {connections.map((connection) => {
          const a = at.get(connection.sourceEntityId);
          const b = at.get(connection.targetEntityId);
          if (!a || !b) return null;
          // Stop short of the node's circle so the arrow head shows.
          const dx = b.x - a.x;
          const dy = b.y - a.y;
          const length = Math.hypot(dx, dy) || 1;
          const pad = 24;
          return (
            <line
              key={connection.id}
              class={`edge ${connection.status}`}
              x1={a.x + (dx / length) * pad}
              y1={a.y + (dy / length) * pad}
              x2={b.x - (dx / length) * pad}
              y2={b.y - (dy / length) * pad}
              marker-end={`url(#arrow-${connection.status})`}
            />
          );
        })}
        {shown.map((entity) => {
          const p = at.get(entity.id);
          if (!p) return null;
          return (
            <g key={entity.id} class="vertex">
              <circle cx={p.x} cy={p.y} r="20" />
              <text x={p.x} y={p.y + 36} text-anchor="middle">
                {entity.name}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption>
        <span class="legend Connected">Connected</span> <span class="legend Pending">Pending</span>{' '}
        <span class="legend Disconnected">Disconnected</span>: arrows point from the source to the target.
      </figcaption>
    </figure>
  );
}

function UserAccess({
  session,
  acting,
  entities,
  name,
  onChanged,
}: {
  session: TenantSession;
  acting: string;
  entities: Entity[];
  name: (id: string) => string;
  onChanged: () => void;
}) {
  const [username, setUsername] = useState(session.username ?? '');
  const [looked, setLooked] = useState<{ username: string; entities: Entity[] } | null>(null);
  const [targets, setTargets] = useState<string[]>([]);
  const action = useAction(onChanged);
  const user = username.trim();
  const path = `/v1/users/${encodeURIComponent(user)}`;
  const lookUp = () =>
    action.run(`Entities ${user} can access, as seen from ${name(acting)}.`, async () => {
      const answer = await zuora<{ entities: Entity[] }>(session, 'GET', `${path}/accessible-entities`, {
        entityId: acting,
      });
      setLooked({ username: user, entities: answer.entities });
    });
  const provisioned = entities.filter((e) => e.status === 'Provisioned');
  return (
    <Section title="User access" id="user-access">
      <p class="hint">
        Zuora's rules: an administrator of the user's home entity, acting in it, requests access; an
        administrator of the target, acting in the target, accepts or denies. You act in{' '}
        <strong>{name(acting)}</strong>.
      </p>
      <form
        class="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          void lookUp();
        }}
      >
        <label for="access-username">Username</label>
        <input
          id="access-username"
          required
          autoComplete="off"
          value={username}
          onInput={(e) => setUsername(e.currentTarget.value)}
        />
        <button type="submit" disabled={action.busy || user === ''}>
          Show accessible entities
        </button>
      </form>
      {looked && (
        <div>
          <h3>Entities {looked.username} can access</h3>
          {looked.entities.length === 0 ? (
            <Empty>None. Request access below.</Empty>
          ) : (
            <ul>
              {looked.entities.map((entity) => (
                <li key={entity.id}>
                  {entity.name} <span class={`badge ${entity.status}`}>{entity.status}</span>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void action.run(`Access requested for ${user}.`, () =>
            zuora(session, 'PUT', `${path}/request-access`, {
              entityId: acting,
              body: { targetEntityIds: targets },
            }),
          );
        }}
      >
        <fieldset>
          <legend>Request access for {user || 'the user above'} to</legend>
          {provisioned.length === 0 ? (
            <Empty>No provisioned entities to request access to.</Empty>
          ) : (
            <div class="checks">
              {provisioned.map((entity) => (
                <label key={entity.id} class="inline">
                  <input
                    type="checkbox"
                    checked={targets.includes(entity.id)}
                    onChange={(e) =>
                      setTargets(
                        e.currentTarget.checked
                          ? [...targets, entity.id]
                          : targets.filter((id) => id !== entity.id),
                      )
                    }
                  />{' '}
                  {entity.name}
                </label>
              ))}
            </div>
          )}
          <button type="submit" disabled={action.busy || user === ''}>
            Request access
          </button>
        </fieldset>
      </form>
      <div class="button-row">
        <button
          type="button"
          disabled={action.busy || user === ''}
          onClick={() =>
            void action.run(`${user}'s access to ${name(acting)} accepted.`, () =>
              zuora(session, 'PUT', `${path}/accept-access`, { entityId: acting }),
            )
          }
        >
          Accept access to {name(acting)}
        </button>
        <button
          type="button"
          disabled={action.busy || user === ''}
          onClick={() =>
            void action.run(`${user}'s access to ${name(acting)} denied.`, () =>
              zuora(session, 'PUT', `${path}/deny-access`, { entityId: acting }),
            )
          }
        >
          Deny access to {name(acting)}
        </button>
      </div>
      <ActionResult action={action} />
    </Section>
  );
}
