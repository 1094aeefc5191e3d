import { useState } from 'preact/hooks';
import { type AdminUser, admin, type Connection, type Entity, type TenantSession, zuora } from '../api.js';
import { Empty, ErrorBox, Section, ViewHead } from '../components.js';
import { Select } from '../forms.js';
import { useLoad, useRefresh } from '../hooks.js';
import { Connections } from './connections.js';
import { EntityDetail, EntityTree } from './entities.js';
import { UserAccess } from './user-access.js';

interface Props {
  session: TenantSession;
  operatorToken: string | null;
  onSignOut: () => void;
}

/** A tenant user's view over Zuora's API: the entities, their connections, and users' access. */
export function TenantView({ session, operatorToken, onSignOut }: Props) {
  const [acting, setActing] = useState(session.entityIds[0] ?? '');
  const [selected, setSelected] = useState<string | null>(null);
  const refresh = useRefresh();
  const { tick } = refresh;

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
      <ViewHead title={`Tenant ${session.tenantId}`} refresh={refresh} />
      <div class="session-bar">
        <p>
          Signed in as <strong>{session.username ?? `user ${session.userId}`}</strong>{' '}
          <span class="muted">
            ({session.via === 'operator' ? 'picked by the operator' : 'with a client'}: {session.clientId})
          </span>
        </p>
        <label for="acting-entity">Act in (Zuora-Entity-Ids)</label>
        <Select
          id="acting-entity"
          value={acting}
          choices={session.entityIds.map((id) => ({ value: id, label: name(id) }))}
          onValue={setActing}
        />
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
        onChanged={refresh.refresh}
      />
      <UserAccess session={session} acting={acting} entities={list} name={name} onChanged={refresh.refresh} />
    </>
  );
}
