import { useRef } from 'preact/hooks';
import type { AdminUser, Entity } from '../api.js';
import { Empty } from '../components.js';

/** The entity hierarchy as a tree of buttons, siblings by name; the keys move between them. */
export function EntityTree({
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

/** An entity's facts, whether the token can act in it, and who can access it. */
export function EntityDetail({
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
