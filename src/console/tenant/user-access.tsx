import { useState } from 'preact/hooks';
import { type Entity, type TenantSession, zuora } from '../api.js';
import { ActionResult, Empty, Section } from '../components.js';
import { TextInput } from '../forms.js';
import { useAction } from '../hooks.js';
import { VERBS } from './connections.js';

/** Zuora's user access requests: look up what a user can access, request access, accept or deny it. */
export function UserAccess({
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
        <TextInput id="access-username" required autoComplete="off" value={username} onValue={setUsername} />
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
        {(['accept', 'deny'] as const).map((verb) => (
          <button
            key={verb}
            type="button"
            disabled={action.busy || user === ''}
            onClick={() =>
              void action.run(`${user}'s access to ${name(acting)} ${VERBS[verb].done}.`, () =>
                zuora(session, 'PUT', `${path}/${verb}-access`, { entityId: acting }),
              )
            }
          >
            {VERBS[verb].button} access to {name(acting)}
          </button>
        ))}
      </div>
      <ActionResult action={action} />
    </Section>
  );
}
